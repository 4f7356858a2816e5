#version 450
// out = a + b element-wise.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(push_constant) uniform Params { uint count; } p;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Out { float o[]; };
void main()
{
    uint i = flat_invocation_index(WG);
    if (i < p.count)
        o[i] = a[i] + b[i];
}
