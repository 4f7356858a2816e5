#version 450
#include "act.glsl"
// Converts an activation between the two element types: the _f16act variant narrows float32 to float16 (a tensor
// uploaded from the host joining float16 work), the float32 variant widens float16 to float32. The forward itself
// never needs it: every kernel stores its output in the type its inputs have.
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(push_constant) uniform Params { uint count; } p;
#ifdef ACT_F16
layout(std430, binding = 0) readonly buffer X { float x[]; };
#else
layout(std430, binding = 0) readonly buffer X { float16_t x[]; };
#endif
layout(std430, binding = 1) writeonly buffer Out { ACT_T o[]; };
void main()
{
    uint i = flat_invocation_index(WG);
    if (i < p.count)
        o[i] = ACT_T(x[i]);
}
