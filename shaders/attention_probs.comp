#version 450
#include "act.glsl"
// Materialising attention, used only when the probabilities are asked for (output_attentions); flash_attention.comp
// serves every other forward. One (query, head, batch) per workgroup: scores q·kᵀ/√d plus HF's additive mask,
// max-shifted softmax, then the probability-weighted sum of values. Scores stay in shared memory (MAX_SK).
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;        // power of two
layout(constant_id = 1) const uint MAX_SK = 128;   // capacity of the shared score row
layout(push_constant) uniform Params
{
    uint Sq;
    uint Sk;
    uint heads;
    uint headDim;
    uint causal;
    uint writeProbs;
    float scale;
} p;
layout(std430, binding = 0) readonly buffer Q { ACT_T q[]; };
layout(std430, binding = 1) readonly buffer K { ACT_T k[]; };
layout(std430, binding = 2) readonly buffer V { ACT_T v[]; };
layout(std430, binding = 3) readonly buffer M { float keyMask[]; };
layout(std430, binding = 4) writeonly buffer Ctx { ACT_T ctx[]; };
layout(std430, binding = 5) writeonly buffer P { float probs[]; };   // float32 whatever ACT_T: a result read back

shared float scores[MAX_SK];
shared float partial[WG];

float workgroup_reduce(float v, bool takeMax)
{
    uint t = gl_LocalInvocationID.x;
    partial[t] = v;
    barrier();
    for (uint s = WG / 2; s > 0; s >>= 1)
    {
        if (t < s)
            partial[t] = takeMax ? max(partial[t], partial[t + s]) : partial[t] + partial[t + s];
        barrier();
    }
    float r = partial[0];
    barrier();
    return r;
}

void main()
{
    uint i = gl_WorkGroupID.x;
    uint h = gl_WorkGroupID.y;
    uint b = gl_WorkGroupID.z;
    uint t = gl_LocalInvocationID.x;
    uint hidden = p.heads * p.headDim;
    uint qBase = (b * p.Sq + i) * hidden + h * p.headDim;
    uint lastVisible = p.Sk - p.Sq + i;   // causal: absolute position of query i

    float localMax = FLOAT32_LOWEST;
    for (uint j = t; j < p.Sk; j += WG)
    {
        uint kBase = (b * p.Sk + j) * hidden + h * p.headDim;
        float dot = 0.0;
        for (uint d = 0; d < p.headDim; d++)
            dot += float(q[qBase + d]) * float(k[kBase + d]);
        float m = keyMask[b * p.Sk + j];
        if (p.causal != 0u && j > lastVisible)
            m = 0.0;
        float s = dot * p.scale + (1.0 - m) * FLOAT32_LOWEST;
        scores[j] = s;
        localMax = max(localMax, s);
    }
    float rowMax = workgroup_reduce(localMax, true);

    float localSum = 0.0;
    for (uint j = t; j < p.Sk; j += WG)
    {
        float e = exp(scores[j] - rowMax);
        scores[j] = e;
        localSum += e;
    }
    float inv = 1.0 / workgroup_reduce(localSum, false);

    uint pBase = ((b * p.heads + h) * p.Sq + i) * p.Sk;
    for (uint j = t; j < p.Sk; j += WG)
    {
        float pr = scores[j] * inv;
        scores[j] = pr;
        if (p.writeProbs != 0u)
            probs[pBase + j] = pr;
    }
    barrier();

    for (uint d = t; d < p.headDim; d += WG)
    {
        float acc = 0.0;
        for (uint j = 0; j < p.Sk; j++)
            acc += scores[j] * float(v[(b * p.Sk + j) * hidden + h * p.headDim + d]);
        ctx[qBase + d] = ACT_T(acc);
    }
}
