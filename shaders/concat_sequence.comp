#version 450
#include "act.glsl"
// out [B, S1 + S2, H] = first [B, S1, H] followed by second [B, S2, H] along the sequence axis.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(push_constant) uniform Params { uint count; uint s1; uint s2; uint width; } p;
layout(std430, binding = 0) readonly buffer A { ACT_T first[]; };
layout(std430, binding = 1) readonly buffer B { ACT_T second[]; };
layout(std430, binding = 2) writeonly buffer Out { ACT_T o[]; };
void main()
{
    uint i = flat_invocation_index(WG);
    if (i >= p.count)
        return;
    uint rowsPerBatch = p.s1 + p.s2;
    uint row = i / p.width;
    uint col = i - row * p.width;
    uint b = row / rowsPerBatch;
    uint s = row - b * rowsPerBatch;
    o[i] = s < p.s1 ? first[(b * p.s1 + s) * p.width + col] : second[(b * p.s2 + (s - p.s1)) * p.width + col];
}
