#version 450
#include "act.glsl"
// out [B, H] = x [B, S, H] at position positions[b] of each batch row.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(push_constant) uniform Params { uint count; uint seq; uint width; } p;
layout(std430, binding = 0) readonly buffer X { ACT_T x[]; };
layout(std430, binding = 1) readonly buffer Pos { int positions[]; };
layout(std430, binding = 2) writeonly buffer Out { ACT_T o[]; };
void main()
{
    uint i = flat_invocation_index(WG);
    if (i >= p.count)
        return;
    uint b = i / p.width;
    uint col = i - b * p.width;
    uint s = uint(clamp(positions[b], 0, int(p.seq) - 1));
    o[i] = x[(b * p.seq + s) * p.width + col];
}
