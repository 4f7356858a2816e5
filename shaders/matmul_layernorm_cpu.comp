#version 450
#include "act.glsl"
// A linear and the LayerNorm of its output plus a residual in one dispatch, shaped for CPU devices, float32 weights.
#define WEIGHT_T float
#define WEIGHT4_T vec4
#include "matmul_layernorm_cpu.glsl"
