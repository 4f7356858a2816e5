#version 450
#include "act.glsl"
// out = a + b element-wise.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(push_constant) uniform Params { uint count; } p;
layout(std430, binding = 0) readonly buffer A { ACT_T a[]; };
layout(std430, binding = 1) readonly buffer B { ACT_T b[]; };
layout(std430, binding = 2) writeonly buffer Out { ACT_T o[]; };
void main()
{
    uint i = flat_invocation_index(WG);
    if (i < p.count)
        o[i] = a[i] + b[i];   // under ACT_F16 a float16 addition: one correctly rounded result
}
