#version 450
#include "act.glsl"
// Query, key and value projections as one dispatch, float32 weights.
#define WEIGHT_T float
#define WEIGHT4_T vec4
#include "matmul_multi.glsl"
