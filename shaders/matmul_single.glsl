// One weight [N, K] of WEIGHT_T (float, or float16_t with 16-bit storage), float32 bias and output.
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { WEIGHT_T w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
#define W_AT(i) float(w[i])
#define BIAS_AT(n) bias[n]
#define Y_STORE(i, v) y[i] = (v)
#include "matmul_body.glsl"
