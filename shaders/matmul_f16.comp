#version 450
#include "act.glsl"
// Tiled matmul with fused bias and activation, float16 weights (16-bit storage), float32 accumulation.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define WEIGHT_T float16_t
#define WEIGHT4_T f16vec4
#include "matmul_single.glsl"
