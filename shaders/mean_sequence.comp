#version 450
#include "act.glsl"
// out [B, H] = mean over S of x [B, S, H], padding included (as transformers does).
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(push_constant) uniform Params { uint count; uint seq; uint width; } p;
layout(std430, binding = 0) readonly buffer X { ACT_T x[]; };
layout(std430, binding = 1) writeonly buffer Out { ACT_T o[]; };
void main()
{
    uint i = flat_invocation_index(WG);
    if (i >= p.count)
        return;
    uint b = i / p.width;
    uint col = i - b * p.width;
    float s = 0.0;
    for (uint t = 0; t < p.seq; t++)
        s += float(x[(b * p.seq + t) * p.width + col]);   // float32 sum
    o[i] = ACT_T(s / float(p.seq));
}
