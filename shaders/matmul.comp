#version 450
#include "act.glsl"
// Tiled matmul with fused bias and activation, float32 weights.
#define WEIGHT_T float
#define WEIGHT4_T vec4
#include "matmul_single.glsl"
