#version 450
#include "act.glsl"
// The matmul with fused bias and activation shaped for CPU devices, float32 weights.
#define WEIGHT_T float
#define WEIGHT4_T vec4
#define CPU_BLOCKS
#include "matmul_single.glsl"
