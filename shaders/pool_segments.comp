#version 450
#include "act.glsl"
// out [N, H]: each segment of the packed rows x [T, H] reduced to one row (sentence-transformers' pooling), one output
// value per invocation. Segment s is rows starts[s] .. starts[s + 1] - 1; a row of weight 0 is left out.
// mode (Electra.Core.Backend.SegmentPooling): 0 first row; 1 last row of non-zero weight (zeros if none);
// 2 Σ w·x / max(Σ w, 1e-9); 3 the same divided by the square root instead; 4 max, weight-0 rows counting as -1e9.
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(push_constant) uniform Params { uint count; uint width; uint mode; } p;
layout(std430, binding = 0) readonly buffer X { ACT_T x[]; };   // the output stays float32: pooled rows are a result
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) readonly buffer S { int starts[]; };
layout(std430, binding = 3) writeonly buffer Out { float o[]; };
void main()
{
    uint i = flat_invocation_index(WG);
    if (i >= p.count)
        return;
    uint s = i / p.width;
    uint col = i - s * p.width;
    uint start = uint(starts[s]);
    uint end = uint(starts[s + 1]);
    float r = 0.0;
    if (p.mode == 0u)
    {
        if (end > start)
            r = float(x[start * p.width + col]);
    }
    else if (p.mode == 1u)
    {
        for (uint t = end; t > start; t--)
            if (w[t - 1u] != 0.0)
            {
                r = float(x[(t - 1u) * p.width + col]);
                break;
            }
    }
    else if (p.mode == 4u)
    {
        r = -1e9;
        for (uint t = start; t < end; t++)
            r = max(r, w[t] != 0.0 ? float(x[t * p.width + col]) : -1e9);
    }
    else
    {
        float sum = 0.0;
        float total = 0.0;
        for (uint t = start; t < end; t++)
        {
            sum += w[t] * float(x[t * p.width + col]);
            total += w[t];
        }
        total = max(total, 1e-9);
        r = sum / (p.mode == 3u ? sqrt(total) : total);
    }
    o[i] = r;
}
