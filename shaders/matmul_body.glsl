// y[m, n0 + n] = act(sum_k x[m, k] * W[n, k] + bias[n0 + n]) with W in PyTorch layout [N, K] (x·Wᵀ).
// The including shader declares the buffers and defines X_AT(i)/X4_AT(i) (x as float / as vec4, index in those units),
// W_AT(i)/W4_AT(i) (a weight as float / vec4), BIAS_AT(n) and Y_STORE(i, v): one weight (matmul.comp), one of several
// chosen by gl_WorkGroupID.z (matmul_multi.comp: query, key and value), or SPLIT_K (matmul_split.comp).
//
// Register tiling: a workgroup of THREADS_N × THREADS_M threads computes a (THREADS_M·TM) × (THREADS_N·TN) block of y,
// each thread a TM × TN tile of accumulators. Both operands are K-contiguous, so every thread loads whole vec4s along
// K (scalars only where K is not a multiple of 4) for the next BK-slice into registers while the current slice is
// multiplied out of shared memory (register prefetch). Shared tiles are stored k-major with the row index XOR-swizzled
// by (k & 28): the vec4 stores of a warp and the row reads of one k-step each hit 32 distinct banks, with no padding, so
// a 128 × 128 × 32 block fits in 32 KiB.
//
// SPLIT_K: workgroup z sums only its share of K (kSplit columns) into a partial buffer; the last of the z workgroups of
// an output tile to arrive (an atomic counter, reset by that workgroup) adds the partials in order z = 0, 1, ..., so
// the result does not depend on arrival order, then applies bias and activation. One dispatch, no second pass.
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1) in;
layout(constant_id = 0) const uint THREADS_N = 16;
layout(constant_id = 1) const uint THREADS_M = 16;
layout(constant_id = 2) const uint TN = 8;
layout(constant_id = 3) const uint TM = 8;
const uint BK = 32;
const uint BM = THREADS_M * TM;        // a multiple of 32 (the swizzle stays inside a row block)
const uint BN = THREADS_N * TN;
const uint THREADS = THREADS_M * THREADS_N;
const uint X_LOADS = BM * (BK / 4) / THREADS;   // vec4 loads per thread per slice
const uint W_LOADS = BN * (BK / 4) / THREADS;

layout(push_constant) uniform Params
{
    uint M;        // rows of x
    uint N;        // output features held by this weight buffer (one chunk of the weight's rows)
    uint K;        // input features
    uint ldy;      // row stride of y (all output features)
    uint n0;       // first output feature of this chunk
    uint hasBias;
    uint act;
    uint kSplit;   // K columns per workgroup z (K itself unless SPLIT_K)
} p;

shared float xs[BK * BM];
shared float ws[BK * BN];

uint swizzle(uint k, uint row)
{
    return row ^ (k & 28u);
}

vec4 load_x(uint m, uint k, uint kEnd)
{
    vec4 r = vec4(0.0);
    if (m >= p.M) return r;
    uint at = m * p.K + k;
    if ((p.K & 3u) == 0u && k < kEnd) return X4_AT(at >> 2);   // k and kEnd are multiples of 4 here
    for (uint c = 0; c < 4; c++)
        if (k + c < kEnd) r[c] = X_AT(at + c);
    return r;
}

vec4 load_w(uint n, uint k, uint kEnd)
{
    vec4 r = vec4(0.0);
    if (n >= p.N) return r;
    uint at = n * p.K + k;
    if ((p.K & 3u) == 0u && k < kEnd) return W4_AT(at >> 2);
    for (uint c = 0; c < 4; c++)
        if (k + c < kEnd) r[c] = W_AT(at + c);
    return r;
}

void main()
{
    uint tx = gl_LocalInvocationID.x;
    uint ty = gl_LocalInvocationID.y;
    uint tid = ty * THREADS_N + tx;
    uint mBase = gl_WorkGroupID.y * BM;
    uint nBase = gl_WorkGroupID.x * BN;
#ifdef SPLIT_K
    uint kBegin = gl_WorkGroupID.z * p.kSplit;
#else
    uint kBegin = 0u;
#endif
    uint kEnd = min(p.K, kBegin + p.kSplit);

    float acc[TM][TN];
    for (uint i = 0; i < TM; i++)
        for (uint j = 0; j < TN; j++)
            acc[i][j] = 0.0;

    vec4 xr[X_LOADS];
    vec4 wr[W_LOADS];
    for (uint l = 0; l < X_LOADS; l++)
    {
        uint e = tid + l * THREADS, r = e / (BK / 4), c4 = e % (BK / 4);
        xr[l] = load_x(mBase + r, kBegin + 4 * c4, kEnd);
    }
    for (uint l = 0; l < W_LOADS; l++)
    {
        uint e = tid + l * THREADS, r = e / (BK / 4), c4 = e % (BK / 4);
        wr[l] = load_w(nBase + r, kBegin + 4 * c4, kEnd);
    }

    for (uint k0 = kBegin; k0 < kEnd; k0 += BK)
    {
        for (uint l = 0; l < X_LOADS; l++)
        {
            uint e = tid + l * THREADS, r = e / (BK / 4), c4 = e % (BK / 4);
            for (uint c = 0; c < 4; c++)
                xs[(4 * c4 + c) * BM + swizzle(4 * c4 + c, r)] = xr[l][c];
        }
        for (uint l = 0; l < W_LOADS; l++)
        {
            uint e = tid + l * THREADS, r = e / (BK / 4), c4 = e % (BK / 4);
            for (uint c = 0; c < 4; c++)
                ws[(4 * c4 + c) * BN + swizzle(4 * c4 + c, r)] = wr[l][c];
        }
        barrier();

        // The next slice's loads are in flight while this one is multiplied.
        uint next = k0 + BK;
        if (next < kEnd)
        {
            for (uint l = 0; l < X_LOADS; l++)
            {
                uint e = tid + l * THREADS, r = e / (BK / 4), c4 = e % (BK / 4);
                xr[l] = load_x(mBase + r, next + 4 * c4, kEnd);
            }
            for (uint l = 0; l < W_LOADS; l++)
            {
                uint e = tid + l * THREADS, r = e / (BK / 4), c4 = e % (BK / 4);
                wr[l] = load_w(nBase + r, next + 4 * c4, kEnd);
            }
        }

        for (uint kk = 0; kk < BK; kk++)
        {
            float a[TM];
            float b[TN];
            for (uint i = 0; i < TM; i++) a[i] = xs[kk * BM + swizzle(kk, ty + i * THREADS_M)];
            for (uint j = 0; j < TN; j++) b[j] = ws[kk * BN + swizzle(kk, tx + j * THREADS_N)];
            for (uint i = 0; i < TM; i++)
                for (uint j = 0; j < TN; j++)
                    acc[i][j] += a[i] * b[j];
        }
        barrier();
    }

#ifdef SPLIT_K
    uint splits = gl_NumWorkGroups.z;
    uint z = gl_WorkGroupID.z;
    for (uint i = 0; i < TM; i++)
    {
        uint m = mBase + ty + i * THREADS_M;
        for (uint j = 0; j < TN; j++)
        {
            uint n = nBase + tx + j * THREADS_N;
            if (m < p.M && n < p.N)
                partial[(z * p.M + m) * p.N + n] = acc[i][j];
        }
    }
    memoryBarrierBuffer();
    barrier();
    if (tid == 0u)
    {
        uint tile = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
        lastArrival = atomicAdd(arrivals[tile], 1u) == splits - 1u;
        if (lastArrival)
            atomicExchange(arrivals[tile], 0u);   // ready for the next split dispatch
    }
    barrier();
    if (!lastArrival)
        return;   // uniform per workgroup
    memoryBarrierBuffer();
    for (uint i = 0; i < TM; i++)
        for (uint j = 0; j < TN; j++)
        {
            uint m = mBase + ty + i * THREADS_M, n = nBase + tx + j * THREADS_N;
            float s = 0.0;
            if (m < p.M && n < p.N)
                for (uint zz = 0; zz < splits; zz++)
                    s += partial[(zz * p.M + m) * p.N + n];
            acc[i][j] = s;
        }
#endif

    for (uint i = 0; i < TM; i++)
    {
        uint m = mBase + ty + i * THREADS_M;
        if (m >= p.M) continue;
        for (uint j = 0; j < TN; j++)
        {
            uint n = nBase + tx + j * THREADS_N;
            if (n >= p.N) continue;
            float v = acc[i][j];
            if (p.hasBias != 0u)
                v += BIAS_AT(p.n0 + n);
            Y_STORE(m * p.ldy + p.n0 + n, activate(v, p.act));
        }
    }
}
