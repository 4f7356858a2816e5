#version 450
#include "act.glsl"
// ELECTRA's embeddings in one dispatch: for token row i,
//   v = (words[ids[i].x] + tokenTypes[ids[i].y]) + positions[ids[i].z]     (torch's order of the two additions)
//   out[i] = LayerNorm(v)·gamma + beta                                        (biased variance)
// with the arithmetic of gather + add + layernorm_subgroup.comp: one workgroup per row, PER_THREAD values per thread in
// registers, the two row sums (mean, then the centred variance) as subgroupAdd plus one shared slot per subgroup.
// The host has checked every id against its table.
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 128;
layout(constant_id = 1) const uint PER_THREAD = 8;   // width ≤ WG·PER_THREAD
layout(push_constant) uniform Params { uint rows; uint width; float eps; } p;
layout(std430, binding = 0) readonly buffer Words { float words[]; };
layout(std430, binding = 1) readonly buffer WordIds { uint wordIds[]; };
layout(std430, binding = 2) readonly buffer Types { float types[]; };
layout(std430, binding = 3) readonly buffer TypeIds { uint typeIds[]; };
layout(std430, binding = 4) readonly buffer Positions { float positions[]; };
layout(std430, binding = 5) readonly buffer PositionIds { uint positionIds[]; };
layout(std430, binding = 6) readonly buffer G { float gamma[]; };
layout(std430, binding = 7) readonly buffer Bt { float beta[]; };
layout(std430, binding = 8) writeonly buffer Out { ACT_T o[]; };

shared float perSubgroup[WG];   // a subgroup has at least one invocation

float workgroup_sum(float v)
{
    float s = subgroupAdd(v);
    if (subgroupElect())
        perSubgroup[gl_SubgroupID] = s;
    barrier();
    float total = 0.0;
    for (uint i = 0; i < gl_NumSubgroups; i++)
        total += perSubgroup[i];
    barrier();
    return total;
}

void main()
{
    uint row = flat_workgroup_index();
    if (row >= p.rows)
        return;   // uniform per workgroup, so no barrier is skipped by part of a group
    uint w = wordIds[row] * p.width, t = typeIds[row] * p.width, q = positionIds[row] * p.width;
    uint lane = gl_LocalInvocationID.x;

    float v[PER_THREAD];
    float s = 0.0;
    for (uint c = 0; c < PER_THREAD; c++)
    {
        uint i = lane + c * WG;
        v[c] = 0.0;
        if (i < p.width)
            v[c] = (words[w + i] + types[t + i]) + positions[q + i];
        s += v[c];
    }
    float mean = workgroup_sum(s) / float(p.width);

    float sq = 0.0;
    for (uint c = 0; c < PER_THREAD; c++)
        if (lane + c * WG < p.width)
        {
            float d = v[c] - mean;
            sq += d * d;
        }
    float inv = 1.0 / sqrt(workgroup_sum(sq) / float(p.width) + p.eps);

    uint base = row * p.width;
    for (uint c = 0; c < PER_THREAD; c++)
    {
        uint i = lane + c * WG;
        if (i < p.width)
            o[base + i] = ACT_T((v[c] - mean) * inv * gamma[i] + beta[i]);
    }
}
