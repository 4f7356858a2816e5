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
// F16_MATH (the *_f16math_f16act variants, float16 weights and activations): the shared tiles hold f16vec2 pairs along K,
// and each thread multiplies them with packed f16vec2 FMAs (two half products per instruction: twice the float32 rate
// on GPUs with packed half ALUs, AMD since Vega and Intel Xe, at half the registers and shared memory per value) into
// half partial sums over HALF_CHUNK pairs (2·HALF_CHUNK products per output, HALF_CHUNK per lane), then folds each
// partial into the float32 accumulators. A half sum of a few products keeps half's relative error (2⁻¹¹) per chunk,
// and the float32 accumulation of the chunks keeps that error from growing with K (3072 in ELECTRA-base's FFN);
// summing the whole K in half would lose the small terms of a long dot product once the sum is large. Overflow needs
// a partial beyond 65504: half activations times weights of transformer size do not come near.
//
// SPLIT_K: workgroup z sums only its share of K (kSplit columns) into a partial buffer; the last of the z workgroups of
// an output tile to arrive (an atomic counter, reset by that workgroup) adds the partials in order z = 0, 1, ..., so
// the result does not depend on arrival order, then applies bias and activation. One dispatch, no second pass.
#include "common.glsl"
#if defined(F16_MATH) && !defined(ACT_F16)
#error F16_MATH multiplies float16 activations: build it with ACT_F16
#endif

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

#ifdef F16_MATH
// Both operands are float16 in memory: loads stay half, and the shared tiles hold k-pairs (kp = k / 2).
#define LOAD4_T f16vec4
#define SCALAR_T float16_t
#define X4_LOAD(i) X4H_AT(i)
#define W4_LOAD(i) W4H_AT(i)
const uint HALF_CHUNK = 8u;   // k-pairs summed in half before a float32 fold: 16 products per output
shared f16vec2 xs[(BK / 2) * BM];
shared f16vec2 ws[(BK / 2) * BN];
#else
#define LOAD4_T vec4
#define SCALAR_T float
#define X4_LOAD(i) X4_AT(i)
#define W4_LOAD(i) W4_AT(i)
shared float xs[BK * BM];
shared float ws[BK * BN];
#endif

uint swizzle(uint k, uint row)
{
    return row ^ (k & 28u);
}

LOAD4_T load_x(uint m, uint k, uint kEnd)
{
    LOAD4_T r = LOAD4_T(0.0);
    if (m >= p.M) return r;
    uint at = m * p.K + k;
    if ((p.K & 3u) == 0u && k < kEnd) return X4_LOAD(at >> 2);   // k and kEnd are multiples of 4 here
    for (uint c = 0; c < 4; c++)
        if (k + c < kEnd) r[c] = SCALAR_T(X_AT(at + c));
    return r;
}

LOAD4_T load_w(uint n, uint k, uint kEnd)
{
    LOAD4_T r = LOAD4_T(0.0);
    if (n >= p.N) return r;
    uint at = n * p.K + k;
    if ((p.K & 3u) == 0u && k < kEnd) return W4_LOAD(at >> 2);
    for (uint c = 0; c < 4; c++)
        if (k + c < kEnd) r[c] = SCALAR_T(W_AT(at + c));
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

    LOAD4_T xr[X_LOADS];
    LOAD4_T wr[W_LOADS];
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
#ifdef F16_MATH
        // k-pair kp sits where k = 2·kp sits in the float tiles (same swizzle, same banks: 4 bytes per entry either way).
        for (uint l = 0; l < X_LOADS; l++)
        {
            uint e = tid + l * THREADS, r = e / (BK / 4), c4 = e % (BK / 4);
            xs[(2 * c4) * BM + swizzle(4 * c4, r)] = xr[l].xy;
            xs[(2 * c4 + 1) * BM + swizzle(4 * c4 + 2, r)] = xr[l].zw;
        }
        for (uint l = 0; l < W_LOADS; l++)
        {
            uint e = tid + l * THREADS, r = e / (BK / 4), c4 = e % (BK / 4);
            ws[(2 * c4) * BN + swizzle(4 * c4, r)] = wr[l].xy;
            ws[(2 * c4 + 1) * BN + swizzle(4 * c4 + 2, r)] = wr[l].zw;
        }
#else
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
#endif
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

#ifdef F16_MATH
        for (uint kc = 0; kc < BK / 2; kc += HALF_CHUNK)
        {
            f16vec2 h[TM][TN];
            for (uint i = 0; i < TM; i++)
                for (uint j = 0; j < TN; j++)
                    h[i][j] = f16vec2(0.0hf);
            for (uint kp = kc; kp < kc + HALF_CHUNK; kp++)
            {
                f16vec2 a[TM];
                f16vec2 b[TN];
                for (uint i = 0; i < TM; i++) a[i] = xs[kp * BM + swizzle(2 * kp, ty + i * THREADS_M)];
                for (uint j = 0; j < TN; j++) b[j] = ws[kp * BN + swizzle(2 * kp, tx + j * THREADS_N)];
                for (uint i = 0; i < TM; i++)
                    for (uint j = 0; j < TN; j++)
                        h[i][j] = fma(a[i], b[j], h[i][j]);
            }
            for (uint i = 0; i < TM; i++)
                for (uint j = 0; j < TN; j++)
                    acc[i][j] += float(h[i][j].x) + float(h[i][j].y);
        }
#else
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
#endif
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
