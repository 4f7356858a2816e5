#version 450
#include "act.glsl"
// LayerNorm over the last dimension of (x + residual), biased variance; one workgroup per row.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 128;   // power of two
layout(push_constant) uniform Params { uint rows; uint width; uint hasResidual; float eps; } p;
layout(std430, binding = 0) readonly buffer X { ACT_T x[]; };
layout(std430, binding = 1) readonly buffer R { ACT_T residual[]; };
layout(std430, binding = 2) readonly buffer G { float gamma[]; };
layout(std430, binding = 3) readonly buffer Bt { float beta[]; };
layout(std430, binding = 4) writeonly buffer Out { ACT_T o[]; };

shared float partial[WG];

float value_at(uint i)
{
    return p.hasResidual != 0u ? float(x[i]) + float(residual[i]) : float(x[i]);
}

float workgroup_sum(float v)
{
    uint t = gl_LocalInvocationID.x;
    partial[t] = v;
    barrier();
    for (uint s = WG / 2; s > 0; s >>= 1)
    {
        if (t < s)
            partial[t] += partial[t + s];
        barrier();
    }
    float total = partial[0];
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

    float s = 0.0;
    for (uint i = t; i < p.width; i += WG)
        s += value_at(base + i);
    float mean = workgroup_sum(s) / float(p.width);

    float sq = 0.0;
    for (uint i = t; i < p.width; i += WG)
    {
        float d = value_at(base + i) - mean;
        sq += d * d;
    }
    float variance = workgroup_sum(sq) / float(p.width);
    float inv = 1.0 / sqrt(variance + p.eps);

    for (uint i = t; i < p.width; i += WG)
        o[base + i] = ACT_T((value_at(base + i) - mean) * inv * gamma[i] + beta[i]);
}
