#version 450
#include "act.glsl"
// LayerNorm over the last dimension of (x + residual), biased variance; one workgroup per row, which is read from
// memory once: each thread keeps its PER_THREAD values in registers, and the two row sums (mean, then the centred
// variance from the registers) are subgroupAdd plus one shared slot per subgroup, two barriers each.
// layernorm.comp serves devices without subgroup arithmetic and rows wider than WG·PER_THREAD.
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 128;
layout(constant_id = 1) const uint PER_THREAD = 8;   // width ≤ WG·PER_THREAD
layout(push_constant) uniform Params { uint rows; uint width; uint hasResidual; float eps; } p;
layout(std430, binding = 0) readonly buffer X { ACT_T x[]; };
layout(std430, binding = 1) readonly buffer R { ACT_T residual[]; };
layout(std430, binding = 2) readonly buffer G { float gamma[]; };
layout(std430, binding = 3) readonly buffer Bt { float beta[]; };
layout(std430, binding = 4) writeonly buffer Out { ACT_T o[]; };

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
    uint base = row * p.width;
    uint t = gl_LocalInvocationID.x;

    float v[PER_THREAD];
    float s = 0.0;
    for (uint c = 0; c < PER_THREAD; c++)
    {
        uint i = t + c * WG;
        v[c] = 0.0;
        if (i < p.width)
            v[c] = p.hasResidual != 0u ? float(x[base + i]) + float(residual[base + i]) : float(x[base + i]);
        s += v[c];
    }
    float mean = workgroup_sum(s) / float(p.width);

    float sq = 0.0;
    for (uint c = 0; c < PER_THREAD; c++)
        if (t + c * WG < p.width)
        {
            float d = v[c] - mean;
            sq += d * d;
        }
    float inv = 1.0 / sqrt(workgroup_sum(sq) / float(p.width) + p.eps);

    for (uint c = 0; c < PER_THREAD; c++)
    {
        uint i = t + c * WG;
        if (i < p.width)
            o[base + i] = ACT_T((v[c] - mean) * inv * gamma[i] + beta[i]);
    }
}
