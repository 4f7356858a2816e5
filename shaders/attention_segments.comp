#version 450
// Attention over packed rows of several sequences (unpadded execution): one (query row, head) per workgroup.
// A query attends only to the keys of its own segment [start, end), read from the bounds buffer; otherwise the same
// arithmetic as attention.comp: q·kᵀ/√d plus HF's additive mask, max-shifted softmax, probability-weighted values.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;        // power of two
layout(constant_id = 1) const uint MAX_SK = 128;   // capacity of the shared score row (longest segment)
layout(push_constant) uniform Params
{
    uint rows;
    uint heads;
    uint headDim;
    uint causal;
    float scale;
} p;
layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k[]; };
layout(std430, binding = 2) readonly buffer V { float v[]; };
layout(std430, binding = 3) readonly buffer M { float keyMask[]; };
layout(std430, binding = 4) readonly buffer B { int bounds[]; };   // [rows, 2]: segment start and end of each row
layout(std430, binding = 5) writeonly buffer Ctx { float ctx[]; };

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
    uint t = gl_LocalInvocationID.x;
    uint hidden = p.heads * p.headDim;
    uint start = uint(bounds[2 * i]);
    uint len = uint(bounds[2 * i + 1]) - start;
    uint qBase = i * hidden + h * p.headDim;

    float localMax = FLOAT32_LOWEST;
    for (uint j = t; j < len; j += WG)
    {
        uint key = start + j;
        uint kBase = key * hidden + h * p.headDim;
        float dot = 0.0;
        for (uint d = 0; d < p.headDim; d++)
            dot += q[qBase + d] * k[kBase + d];
        float m = keyMask[key];
        if (p.causal != 0u && key > i)
            m = 0.0;
        float s = dot * p.scale + (1.0 - m) * FLOAT32_LOWEST;
        scores[j] = s;
        localMax = max(localMax, s);
    }
    float rowMax = workgroup_reduce(localMax, true);

    float localSum = 0.0;
    for (uint j = t; j < len; j += WG)
    {
        float e = exp(scores[j] - rowMax);
        scores[j] = e;
        localSum += e;
    }
    float inv = 1.0 / workgroup_reduce(localSum, false);

    for (uint j = t; j < len; j += WG)
        scores[j] = scores[j] * inv;
    barrier();

    for (uint d = t; d < p.headDim; d += WG)
    {
        float acc = 0.0;
        for (uint j = 0; j < len; j++)
            acc += scores[j] * v[(start + j) * hidden + h * p.headDim + d];
        ctx[qBase + d] = acc;
    }
}
