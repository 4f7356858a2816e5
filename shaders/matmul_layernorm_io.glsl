// The push constants and bindings of the fused linear + LayerNorm kernels (matmul_layernorm.glsl and its CPU-shaped
// twin), one contract for the host's single dispatch whichever kernel the device gets. The including shader defines
// WEIGHT_T and WEIGHT4_T.
layout(push_constant) uniform Params { uint M; uint N; uint K; uint hasBias; float eps; } p;
layout(std430, binding = 0) readonly buffer X { ACT_T x[]; };
layout(std430, binding = 1) readonly buffer W { WEIGHT_T w[]; };
layout(std430, binding = 1) readonly buffer W4 { WEIGHT4_T w4[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) readonly buffer R { ACT_T residual[]; };
layout(std430, binding = 4) readonly buffer G { float gamma[]; };
layout(std430, binding = 5) readonly buffer Bt { float beta[]; };
layout(std430, binding = 6) writeonly buffer Y { ACT_T y[]; };
layout(std430, binding = 7) writeonly buffer Out { ACT_T o[]; };
