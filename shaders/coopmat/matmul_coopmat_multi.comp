#version 450
#include "act.glsl"
// Query, key and value projections as one dispatch on cooperative matrices (see matmul_coopmat_body.glsl): workgroups
// with gl_WorkGroupID.z = i use weight i, bias i and output i, as matmul_multi.glsl does. The branch is uniform per
// workgroup, so the matrix operations stay in uniform control flow.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
layout(std430, binding = 0) readonly buffer X { ACT_T x[]; };
layout(std430, binding = 0) readonly buffer X4 { ACT4_T x4[]; };
layout(std430, binding = 1) readonly buffer W0 { float16_t w0[]; };
layout(std430, binding = 2) readonly buffer W1 { float16_t w1[]; };
layout(std430, binding = 3) readonly buffer W2 { float16_t w2[]; };
layout(std430, binding = 1) readonly buffer W04 { f16vec4 w04[]; };
layout(std430, binding = 2) readonly buffer W14 { f16vec4 w14[]; };
layout(std430, binding = 3) readonly buffer W24 { f16vec4 w24[]; };
layout(std430, binding = 4) readonly buffer B0 { float b0[]; };
layout(std430, binding = 5) readonly buffer B1 { float b1[]; };
layout(std430, binding = 6) readonly buffer B2 { float b2[]; };
layout(std430, binding = 7) writeonly buffer Y0 { ACT_T y0[]; };
layout(std430, binding = 8) writeonly buffer Y1 { ACT_T y1[]; };
layout(std430, binding = 9) writeonly buffer Y2 { ACT_T y2[]; };
#define X_AT(i) x[i]
#define X4_AT(i) x4[i]
#define W_AT(i) (gl_WorkGroupID.z == 0u ? w0[i] : gl_WorkGroupID.z == 1u ? w1[i] : w2[i])
#define W4_AT(i) (gl_WorkGroupID.z == 0u ? w04[i] : gl_WorkGroupID.z == 1u ? w14[i] : w24[i])
#define BIAS_AT(n) (gl_WorkGroupID.z == 0u ? b0[n] : gl_WorkGroupID.z == 1u ? b1[n] : b2[n])
#define Y_STORE(i, v) if (gl_WorkGroupID.z == 0u) y0[i] = ACT_T(v); else if (gl_WorkGroupID.z == 1u) y1[i] = ACT_T(v); else y2[i] = ACT_T(v)
#include "matmul_coopmat_body.glsl"
