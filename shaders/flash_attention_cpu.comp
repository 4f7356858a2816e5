#version 450
#include "act.glsl"
// flash_attention.comp shaped for CPU devices (see matmul_cpu_block.glsl for why): each invocation owns RQ queries of one
// head, keeps their q rows and outputs in registers and walks the keys one at a time straight from the buffers, so one
// k row and one v row (vec4 loads where the head size allows) serve RQ queries; online softmax in fp32 per key, no
// shared memory, no barriers. Same scores and masks as flash_attention.comp: q·kᵀ·scale plus HF's additive mask
// ((1 − mask)·float32 lowest, also for causally hidden keys); PACKED rows see only their own segment [start, end).
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 8;
layout(constant_id = 1) const uint BQ = 32;      // queries per workgroup, WG·RQ (read by the host)
layout(constant_id = 3) const uint MAX_D = 64;   // head size capacity, a multiple of 4 (the head size is a push constant)
layout(constant_id = 4) const bool PACKED = false;
#define RQ 4u                                    // queries per invocation
layout(push_constant) uniform Params { uint Sq; uint Sk; uint heads; uint headDim; uint causal; float scale; } p;
layout(std430, binding = 0) readonly buffer Q { ACT_T q[]; };
layout(std430, binding = 1) readonly buffer K { ACT_T k[]; };
layout(std430, binding = 1) readonly buffer K4 { ACT4_T k4[]; };
layout(std430, binding = 2) readonly buffer V { ACT_T v[]; };
layout(std430, binding = 2) readonly buffer V4 { ACT4_T v4[]; };
layout(std430, binding = 3) readonly buffer M { float keyMask[]; };
layout(std430, binding = 4) readonly buffer B { int bounds[]; };   // PACKED: [rows, 2] segment start and end
layout(std430, binding = 5) writeonly buffer Ctx { ACT_T ctx[]; };

const uint D4 = MAX_D / 4u;
const uint NO_KEYS = 0xffffffffu;

void main()
{
    uint h = gl_WorkGroupID.y;
    uint b = gl_WorkGroupID.z;
    uint first = (gl_WorkGroupID.x * WG + gl_LocalInvocationID.x) * RQ;
    if (first >= p.Sq)
        return;
    uint hidden = p.heads * p.headDim;
    uint D = p.headDim;
    uint rowBase = PACKED ? 0u : b * p.Sq;
    // vec4 loads of k and v rows need every row start (key·hidden + h·D) on a multiple of 4.
    bool vec4Rows = (D & 3u) == 0u && (hidden & 3u) == 0u;

    uint lo[RQ], hi[RQ], last[RQ];
    vec4 qv[RQ][D4], o[RQ][D4];
    float mx[RQ], sum[RQ];
    uint blockLo = NO_KEYS, blockHi = 0u;
    [[unroll]] for (uint r = 0; r < RQ; r++)
    {
        uint row = first + r;
        lo[r] = 0u; hi[r] = 0u; last[r] = 0u;
        if (row < p.Sq)
        {
            if (PACKED)
            {
                lo[r] = uint(bounds[2 * row]);
                hi[r] = uint(bounds[2 * row + 1]);
                last[r] = p.causal != 0u ? row : hi[r];
            }
            else
            {
                lo[r] = b * p.Sk;
                hi[r] = lo[r] + p.Sk;
                last[r] = p.causal != 0u ? lo[r] + p.Sk - p.Sq + row : hi[r];
            }
        }
        if (hi[r] > lo[r])
        {
            blockLo = min(blockLo, lo[r]);
            blockHi = max(blockHi, hi[r]);
        }
        mx[r] = FLOAT32_LOWEST;
        sum[r] = 0.0;
        uint at = (rowBase + min(row, p.Sq - 1u)) * hidden + h * D;
        [[unroll]] for (uint d4 = 0; d4 < D4; d4++)
        {
            vec4 x = vec4(0.0);
            [[unroll]] for (uint c = 0; c < 4u; c++)
                if (d4 * 4u + c < D) x[c] = float(q[at + d4 * 4u + c]);
            qv[r][d4] = x;
            o[r][d4] = vec4(0.0);
        }
    }

    for (uint key = blockLo; blockLo != NO_KEYS && key < blockHi; key++)
    {
        uint at = key * hidden + h * D;
        vec4 kv[D4], vv[D4];
        [[unroll]] for (uint d4 = 0; d4 < D4; d4++)
        {
            kv[d4] = vec4(0.0);
            vv[d4] = vec4(0.0);
            if (d4 * 4u < D)
            {
                if (vec4Rows)
                {
                    kv[d4] = vec4(k4[(at >> 2) + d4]);
                    vv[d4] = vec4(v4[(at >> 2) + d4]);
                }
                else
                    [[unroll]] for (uint c = 0; c < 4u; c++)
                        if (d4 * 4u + c < D)
                        {
                            kv[d4][c] = float(k[at + d4 * 4u + c]);
                            vv[d4][c] = float(v[at + d4 * 4u + c]);
                        }
            }
        }
        float maskValue = keyMask[key];
        [[unroll]] for (uint r = 0; r < RQ; r++)
        {
            if (key < lo[r] || key >= hi[r])
                continue;   // a key of another segment does not exist for this query
            float dot = 0.0;
            [[unroll]] for (uint d4 = 0; d4 < D4; d4++)
            {
                dot += qv[r][d4].x * kv[d4].x;
                dot += qv[r][d4].y * kv[d4].y;
                dot += qv[r][d4].z * kv[d4].z;
                dot += qv[r][d4].w * kv[d4].w;
            }
            float m = key > last[r] ? 0.0 : maskValue;
            float score = dot * p.scale + (1.0 - m) * FLOAT32_LOWEST;
            float next = max(mx[r], score);
            float survive = exp(mx[r] - next);
            float e = exp(score - next);
            sum[r] = sum[r] * survive + e;
            [[unroll]] for (uint d4 = 0; d4 < D4; d4++)
                o[r][d4] = o[r][d4] * survive + e * vv[d4];
            mx[r] = next;
        }
    }

    [[unroll]] for (uint r = 0; r < RQ; r++)
    {
        uint row = first + r;
        if (row >= p.Sq || hi[r] <= lo[r])
            continue;
        uint at = (rowBase + row) * hidden + h * D;
        [[unroll]] for (uint d4 = 0; d4 < D4; d4++)
            [[unroll]] for (uint c = 0; c < 4u; c++)
                if (d4 * 4u + c < D)
                    ctx[at + d4 * 4u + c] = ACT_T(o[r][d4][c] / sum[r]);
    }
}
