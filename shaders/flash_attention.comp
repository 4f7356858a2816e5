#version 450
#include "act.glsl"
// Flash attention: one workgroup per (block of BQ queries, head, batch row). The block's queries are staged in shared
// memory once; keys and values stream through shared memory in tiles of BKV rows (coalesced loads along the head
// dimension), and each query keeps a running maximum and sum (online softmax, fp32), so scores never reach global
// memory and no query re-reads K or V on its own.
// Scores are q·kᵀ·scale plus HF's additive mask ((1 − mask)·float32 lowest, the same for causally hidden keys), so a
// fully masked row is uniform over its keys, exactly as in transformers. PACKED: rows of several sequences in one
// [T, H] tensor, each query attending only to its own segment [start, end) (bounds buffer); keys outside it do not
// exist for that query (excluded, not masked).
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint BQ = 16;      // queries per workgroup; BQ·BKV and BQ·MAX_D are multiples of WG
layout(constant_id = 2) const uint BKV = 32;     // keys per staged tile
layout(constant_id = 3) const uint MAX_D = 64;   // head size capacity (the head size itself is a push constant)
layout(constant_id = 4) const bool PACKED = false;
layout(push_constant) uniform Params
{
    uint Sq;        // queries per batch row (PACKED: all rows)
    uint Sk;        // keys per batch row (PACKED: all rows)
    uint heads;
    uint headDim;
    uint causal;
    float scale;
} p;
layout(std430, binding = 0) readonly buffer Q { ACT_T q[]; };
layout(std430, binding = 1) readonly buffer K { ACT_T k[]; };
layout(std430, binding = 2) readonly buffer V { ACT_T v[]; };
layout(std430, binding = 3) readonly buffer M { float keyMask[]; };
layout(std430, binding = 4) readonly buffer B { int bounds[]; };   // PACKED: [rows, 2] segment start and end
layout(std430, binding = 5) writeonly buffer Ctx { ACT_T ctx[]; };

const uint KSTRIDE = MAX_D + 1;   // odd stride: the keys one score step reads sit in distinct banks

shared float qs[BQ * MAX_D];
shared float ks[BKV * KSTRIDE];
shared float vs[BKV * MAX_D];
shared float ps[BQ * BKV];        // this tile's scores, then their exponentials
shared float rowMax[BQ];
shared float rowSum[BQ];
shared float rowScale[BQ];        // exp(old max − new max): how much of the running sums survives this tile
shared uint rowLo[BQ];            // the keys each query may see: [rowLo, rowHi), masked after rowLast
shared uint rowHi[BQ];
shared uint rowLast[BQ];

const uint PER_THREAD_S = BQ * BKV / WG;
const uint PER_THREAD_O = BQ * MAX_D / WG;
const uint NO_KEYS = 0xffffffffu;

void main()
{
    uint t = gl_LocalInvocationID.x;
    uint h = gl_WorkGroupID.y;
    uint b = gl_WorkGroupID.z;
    uint q0 = gl_WorkGroupID.x * BQ;
    uint hidden = p.heads * p.headDim;
    uint D = p.headDim;

    // Per-query key ranges, as global row indices of k and v.
    for (uint i = t; i < BQ; i += WG)
    {
        uint row = q0 + i;
        uint lo = 0u, hi = 0u, last = 0u;
        if (row < p.Sq)
        {
            if (PACKED)
            {
                lo = uint(bounds[2 * row]);
                hi = uint(bounds[2 * row + 1]);
                last = p.causal != 0u ? row : hi;
            }
            else
            {
                lo = b * p.Sk;
                hi = lo + p.Sk;
                last = p.causal != 0u ? lo + p.Sk - p.Sq + row : hi;
            }
        }
        rowLo[i] = lo;
        rowHi[i] = hi;
        rowLast[i] = last;
        rowMax[i] = FLOAT32_LOWEST;
        rowSum[i] = 0.0;
    }
    for (uint e = t; e < BQ * MAX_D; e += WG)
    {
        uint i = e / MAX_D, d = e - i * MAX_D;
        uint row = q0 + i;
        qs[e] = (row < p.Sq && d < D) ? float(q[((PACKED ? 0u : b * p.Sq) + row) * hidden + h * D + d]) : 0.0;
    }
    barrier();

    // The union of the block's key ranges (one segment, or a few neighbouring ones when PACKED).
    uint blockLo = NO_KEYS, blockHi = 0u;
    for (uint i = 0; i < BQ; i++)
        if (rowHi[i] > rowLo[i])
        {
            blockLo = min(blockLo, rowLo[i]);
            blockHi = max(blockHi, rowHi[i]);
        }

    float o[PER_THREAD_O];
    for (uint r = 0; r < PER_THREAD_O; r++)
        o[r] = 0.0;

    for (uint j0 = blockLo; blockLo != NO_KEYS && j0 < blockHi; j0 += BKV)
    {
        for (uint e = t; e < BKV * MAX_D; e += WG)
        {
            uint jj = e / MAX_D, d = e - jj * MAX_D;
            uint key = j0 + jj;
            bool inside = key < blockHi && d < D;
            uint at = key * hidden + h * D + d;
            ks[jj * KSTRIDE + d] = inside ? float(k[at]) : 0.0;
            vs[e] = inside ? float(v[at]) : 0.0;
        }
        barrier();

        for (uint r = 0; r < PER_THREAD_S; r++)
        {
            uint s = t + r * WG;
            uint i = s / BKV, jj = s - i * BKV;
            uint key = j0 + jj;
            float score = 0.0;   // 0 marks a key this query cannot see (its exponential is forced to 0 below)
            if (key >= rowLo[i] && key < rowHi[i])
            {
                float dot = 0.0;
                for (uint d = 0; d < D; d++)
                    dot += qs[i * MAX_D + d] * ks[jj * KSTRIDE + d];
                float m = key > rowLast[i] ? 0.0 : keyMask[key];
                score = dot * p.scale + (1.0 - m) * FLOAT32_LOWEST;
            }
            ps[s] = score;
        }
        barrier();

        // One thread per query: the tile's maximum, the rescale of what came before, and the exponentials.
        for (uint i = t; i < BQ; i += WG)
        {
            float old = rowMax[i];
            float mx = old;
            for (uint jj = 0; jj < BKV; jj++)
            {
                uint key = j0 + jj;
                if (key >= rowLo[i] && key < rowHi[i])
                    mx = max(mx, ps[i * BKV + jj]);
            }
            float survive = exp(old - mx);
            float sum = 0.0;
            for (uint jj = 0; jj < BKV; jj++)
            {
                uint key = j0 + jj;
                float e = (key >= rowLo[i] && key < rowHi[i]) ? exp(ps[i * BKV + jj] - mx) : 0.0;
                ps[i * BKV + jj] = e;
                sum += e;
            }
            rowMax[i] = mx;
            rowScale[i] = survive;
            rowSum[i] = rowSum[i] * survive + sum;
        }
        barrier();

        for (uint r = 0; r < PER_THREAD_O; r++)
        {
            uint e = t + r * WG;
            uint i = e / MAX_D, d = e - i * MAX_D;
            float acc = o[r] * rowScale[i];
            for (uint jj = 0; jj < BKV; jj++)
                acc += ps[i * BKV + jj] * vs[jj * MAX_D + d];
            o[r] = acc;
        }
        barrier();   // the next tile overwrites ks, vs and ps
    }

    for (uint r = 0; r < PER_THREAD_O; r++)
    {
        uint e = t + r * WG;
        uint i = e / MAX_D, d = e - i * MAX_D;
        uint row = q0 + i;
        if (row < p.Sq && d < D && rowHi[i] > rowLo[i])
            ctx[((PACKED ? 0u : b * p.Sq) + row) * hidden + h * D + d] = ACT_T(o[r] / rowSum[i]);
    }
}
