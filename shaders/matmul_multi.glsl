// Three linears of the same input in one dispatch (an attention layer's query, key and value): workgroups with
// gl_WorkGroupID.z = i use weight i, bias i and output i, all [N, K], [N] and [M, N]. The branch is uniform per
// workgroup, so it costs nothing but the bindings.
layout(std430, binding = 0) readonly buffer X { ACT_T x[]; };
layout(std430, binding = 0) readonly buffer X4 { ACT4_T x4[]; };
layout(std430, binding = 1) readonly buffer W0 { WEIGHT_T w0[]; };
layout(std430, binding = 2) readonly buffer W1 { WEIGHT_T w1[]; };
layout(std430, binding = 3) readonly buffer W2 { WEIGHT_T w2[]; };
layout(std430, binding = 1) readonly buffer W04 { WEIGHT4_T w04[]; };
layout(std430, binding = 2) readonly buffer W14 { WEIGHT4_T w14[]; };
layout(std430, binding = 3) readonly buffer W24 { WEIGHT4_T w24[]; };
layout(std430, binding = 4) readonly buffer B0 { float b0[]; };
layout(std430, binding = 5) readonly buffer B1 { float b1[]; };
layout(std430, binding = 6) readonly buffer B2 { float b2[]; };
layout(std430, binding = 7) writeonly buffer Y0 { ACT_T y0[]; };
layout(std430, binding = 8) writeonly buffer Y1 { ACT_T y1[]; };
layout(std430, binding = 9) writeonly buffer Y2 { ACT_T y2[]; };
#define X_AT(i) float(x[i])
#define X4_AT(i) vec4(x4[i])
#define W_AT(i) (gl_WorkGroupID.z == 0u ? float(w0[i]) : gl_WorkGroupID.z == 1u ? float(w1[i]) : float(w2[i]))
#define W4_AT(i) (gl_WorkGroupID.z == 0u ? vec4(w04[i]) : gl_WorkGroupID.z == 1u ? vec4(w14[i]) : vec4(w24[i]))
#define X4H_AT(i) f16vec4(x4[i])   // F16_MATH: both stay half
#define W4H_AT(i) (gl_WorkGroupID.z == 0u ? f16vec4(w04[i]) : gl_WorkGroupID.z == 1u ? f16vec4(w14[i]) : f16vec4(w24[i]))
#define BIAS_AT(n) (gl_WorkGroupID.z == 0u ? b0[n] : gl_WorkGroupID.z == 1u ? b1[n] : b2[n])
#define Y_STORE(i, v) if (gl_WorkGroupID.z == 0u) y0[i] = ACT_T(v); else if (gl_WorkGroupID.z == 1u) y1[i] = ACT_T(v); else y2[i] = ACT_T(v)
#ifdef CPU_BLOCKS
#include "matmul_cpu_body.glsl"
#else
#include "matmul_body.glsl"
#endif
