#version 450
#include "act.glsl"
// x·Wᵀ with fused bias and activation on cooperative matrices: x as ACT_T (float16 activations are read as they are;
// float32 ones are converted to half in shared memory), float16 weights, float32 accumulation, output stored as ACT_T. See matmul_coopmat_body.glsl.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(std430, binding = 0) readonly buffer X { ACT_T x[]; };
layout(std430, binding = 0) readonly buffer X4 { ACT4_T x4[]; };
layout(std430, binding = 1) readonly buffer W { float16_t w[]; };
layout(std430, binding = 1) readonly buffer W4 { f16vec4 w4[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { ACT_T y[]; };
#define X_AT(i) x[i]
#define X4_AT(i) x4[i]
#define W_AT(i) w[i]
#define W4_AT(i) w4[i]
#define BIAS_AT(n) bias[n]
#define Y_STORE(i, v) y[i] = ACT_T(v)
#include "matmul_coopmat_body.glsl"
