#version 450
#include "act.glsl"
// Query, key and value projections as one dispatch, float16 weights (16-bit storage), float32 accumulation.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define WEIGHT_T float16_t
#define WEIGHT4_T f16vec4
#include "matmul_multi.glsl"
