#version 450
#include "act.glsl"
// Embedding lookup for the ids that fall in one chunk of the table: out[i, :] = table[ids[i] - rowStart, :].
// Large tables are split into chunks below maxStorageBufferRange; one dispatch per chunk.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(push_constant) uniform Params { uint count; uint width; uint rowStart; uint rowCount; } p;
layout(std430, binding = 0) readonly buffer Table { float table[]; };
layout(std430, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer Out { ACT_T o[]; };
void main()
{
    uint i = flat_invocation_index(WG);
    if (i >= p.count)
        return;
    uint row = i / p.width;
    uint col = i - row * p.width;
    int id = ids[row] - int(p.rowStart);
    if (id >= 0 && uint(id) < p.rowCount)
        o[i] = ACT_T(table[uint(id) * p.width + col]);
}
