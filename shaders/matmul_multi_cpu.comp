#version 450
#include "act.glsl"
// Query, key and value projections as one dispatch shaped for CPU devices, float32 weights.
#define WEIGHT_T float
#define WEIGHT4_T vec4
#define CPU_BLOCKS
#include "matmul_multi.glsl"
