// The activation element type: float32, or float16 when the build compiles the shader a second time with -DACT_F16
// (the *_f16act variants, --precision f16). Activations (the tensors one kernel writes and the next reads) are stored
// as ACT_T; every kernel loads them into float32 registers and accumulates there (GEMM dot products, LayerNorm
// statistics, softmax, pooling sums), rounding to float16 only when it stores. Weights, biases, LayerNorm parameters,
// masks and ids keep their own types. Included right after #version, as it may enable extensions.
#ifndef ELECTRA_ACT_GLSL
#define ELECTRA_ACT_GLSL
#ifdef ACT_F16
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#define ACT_T float16_t
#define ACT4_T f16vec4
#else
#define ACT_T float
#define ACT4_T vec4
#endif
#endif
