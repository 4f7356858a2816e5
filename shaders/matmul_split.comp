#version 450
#include "act.glsl"
// Split-K matmul with fused bias and activation, float32 weights: few output tiles (small M) still fill the GPU.
#define WEIGHT_T float
#define WEIGHT4_T vec4
#define SPLIT_K
#include "matmul_single.glsl"
