#version 450
#include "act.glsl"
// A linear and the LayerNorm of its output plus a residual in one dispatch, shaped for CPU devices, float16 weights
// (16-bit storage).
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define WEIGHT_T float16_t
#define WEIGHT4_T f16vec4
#include "matmul_layernorm_cpu.glsl"
