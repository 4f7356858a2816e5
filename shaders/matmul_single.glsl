// One weight [N, K] of WEIGHT_T (float, or float16_t with 16-bit storage), float32 bias and output. x and the weight
// are also declared as 4-vectors over the same bindings, for whole-vec4 loads along K.
layout(std430, binding = 0) readonly buffer X { ACT_T x[]; };
layout(std430, binding = 0) readonly buffer X4 { ACT4_T x4[]; };
layout(std430, binding = 1) readonly buffer W { WEIGHT_T w[]; };
layout(std430, binding = 1) readonly buffer W4 { WEIGHT4_T w4[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { ACT_T y[]; };
#ifdef SPLIT_K
layout(std430, binding = 4) coherent buffer Partial { float partial[]; };   // [splits, M, N]
layout(std430, binding = 5) coherent buffer Arrivals { uint arrivals[]; };  // one counter per output tile, left at 0
shared bool lastArrival;
#endif
#define X_AT(i) float(x[i])
#define X4_AT(i) vec4(x4[i])
#define W_AT(i) float(w[i])
#define W4_AT(i) vec4(w4[i])
#define X4H_AT(i) f16vec4(x4[i])   // F16_MATH: both stay half
#define W4H_AT(i) f16vec4(w4[i])
#define BIAS_AT(n) bias[n]
#define Y_STORE(i, v) y[i] = ACT_T(v)
#ifdef CPU_BLOCKS
#include "matmul_cpu_body.glsl"
#else
#include "matmul_body.glsl"
#endif
