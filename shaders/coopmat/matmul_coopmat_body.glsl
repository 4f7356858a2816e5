// y[m, n0 + n] = act(sum_k x[m, k] * W[n, k] + bias[n0 + n]) with W in PyTorch layout [N, K] (x·Wᵀ), on cooperative
// matrices (tensor/matrix cores): float16 operands, float32 accumulators. The including shader declares the buffers and
// defines X4_AT(i)/X_AT(i) (x as ACT4_T / ACT_T: float32 activations are converted to half here), W4_AT(i)/W_AT(i) (the weight as f16vec4 /
// float16_t), BIAS_AT(n) and Y_STORE(i, v), as matmul_body.glsl's callers do.
//
// Written with GL_NV_cooperative_matrix, the extension Debian's glslc and spirv-val know; the VK_KHR_cooperative_matrix
// variant is made from this module's SPIR-V by Spirv/CooperativeMatrixRewrite.cs. That rewrite gives each matrix type its
// Use from how coopMatMulAddNV consumes it, so A (TM × TK), B (TK × TN) and the accumulator (TM × TN) must be distinct
// types: their sizes come from three separate specialization constants, which keeps the types distinct even when the
// values are equal.
//
// Tiling: a workgroup of WARPS_M × WARPS_N subgroups computes a BM × BN block of y, each subgroup FRAG_M × FRAG_N
// accumulator matrices of TM × TN. Per BK-slice of K, the threads stage x (converted to half) and W into shared memory,
// k-contiguous rows padded by 8 halves against bank conflicts, zero-filled past M, N and K, so that the matrix loads
// never need a bounds check; the next slice's global loads are in flight (registers) while this one is multiplied.
// The epilogue stores each accumulator to a per-subgroup shared tile, and the subgroup's lanes add the bias, apply the
// activation and write the elements that lie inside y.
#extension GL_NV_cooperative_matrix : require
#extension GL_KHR_memory_scope_semantics : require
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_EXT_shader_16bit_storage : require
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#include "common.glsl"

layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint THREADS = 128;   // WARPS_M · WARPS_N · SUBGROUP (the pipeline requires full subgroups of that size)
layout(constant_id = 1) const uint SUBGROUP = 32;
layout(constant_id = 2) const uint WARPS_M = 2;
layout(constant_id = 3) const uint WARPS_N = 2;
layout(constant_id = 4) const uint FRAG_M = 2;
layout(constant_id = 5) const uint FRAG_N = 2;
layout(constant_id = 6) const uint TM = 16;         // the device's cooperative-matrix shape M × N × K
layout(constant_id = 7) const uint TN = 16;
layout(constant_id = 8) const uint TK = 16;
const uint BK = 32;                                 // a multiple of every TK a device offers (8, 16, 32)
const uint LDS = BK + 8;                            // shared row stride in halves
const uint WM = FRAG_M * TM;
const uint WN = FRAG_N * TN;
const uint BM = WARPS_M * WM;
const uint BN = WARPS_N * WN;
const uint X_LOADS = (BM * (BK / 4) + THREADS - 1) / THREADS;   // vec4 loads per thread per slice
const uint W_LOADS = (BN * (BK / 4) + THREADS - 1) / THREADS;

layout(push_constant) uniform Params
{
    uint M;        // rows of x
    uint N;        // output features held by this weight buffer
    uint K;        // input features
    uint ldy;      // row stride of y
    uint n0;       // first output feature of this chunk
    uint hasBias;
    uint act;
    uint kSplit;   // unused (no split-K here): the push constants are the other GEMMs'
} p;

shared float16_t xs[BM * LDS];
shared float16_t ws[BN * LDS];
shared float cs[WARPS_M * WARPS_N * TM * TN];

f16vec4 load_x(uint m, uint k)
{
    if (m >= p.M || k >= p.K) return f16vec4(0.0);
    uint at = m * p.K + k;
    if ((p.K & 3u) == 0u) return f16vec4(X4_AT(at >> 2));   // k is a multiple of 4, so the whole vec4 is inside K
    f16vec4 r = f16vec4(0.0);
    for (uint c = 0; c < 4; c++)
        if (k + c < p.K) r[c] = float16_t(X_AT(at + c));
    return r;
}

f16vec4 load_w(uint n, uint k)
{
    if (n >= p.N || k >= p.K) return f16vec4(0.0);
    uint at = n * p.K + k;
    if ((p.K & 3u) == 0u) return W4_AT(at >> 2);
    f16vec4 r = f16vec4(0.0);
    for (uint c = 0; c < 4; c++)
        if (k + c < p.K) r[c] = W_AT(at + c);
    return r;
}

void main()
{
    uint tid = gl_LocalInvocationID.x;
    uint warp = gl_SubgroupID;
    uint lane = gl_SubgroupInvocationID;
    uint wm = warp / WARPS_N;
    uint wn = warp % WARPS_N;
    uint mBase = gl_WorkGroupID.y * BM;
    uint nBase = gl_WorkGroupID.x * BN;

    fcoopmatNV<32, gl_ScopeSubgroup, TM, TN> acc[FRAG_M * FRAG_N];
    for (uint f = 0; f < FRAG_M * FRAG_N; f++)
        acc[f] = fcoopmatNV<32, gl_ScopeSubgroup, TM, TN>(0.0);

    f16vec4 xr[X_LOADS];
    f16vec4 wr[W_LOADS];
    for (uint l = 0; l < X_LOADS; l++)
    {
        uint e = tid + l * THREADS;
        xr[l] = e < BM * (BK / 4) ? load_x(mBase + e / (BK / 4), 4 * (e % (BK / 4))) : f16vec4(0.0);
    }
    for (uint l = 0; l < W_LOADS; l++)
    {
        uint e = tid + l * THREADS;
        wr[l] = e < BN * (BK / 4) ? load_w(nBase + e / (BK / 4), 4 * (e % (BK / 4))) : f16vec4(0.0);
    }

    for (uint k0 = 0; k0 < p.K; k0 += BK)
    {
        for (uint l = 0; l < X_LOADS; l++)
        {
            uint e = tid + l * THREADS;
            if (e < BM * (BK / 4))
                for (uint c = 0; c < 4; c++)
                    xs[(e / (BK / 4)) * LDS + 4 * (e % (BK / 4)) + c] = xr[l][c];
        }
        for (uint l = 0; l < W_LOADS; l++)
        {
            uint e = tid + l * THREADS;
            if (e < BN * (BK / 4))
                for (uint c = 0; c < 4; c++)
                    ws[(e / (BK / 4)) * LDS + 4 * (e % (BK / 4)) + c] = wr[l][c];
        }
        barrier();

        // The next slice's loads are in flight while this one is multiplied.
        uint next = k0 + BK;
        if (next < p.K)
        {
            for (uint l = 0; l < X_LOADS; l++)
            {
                uint e = tid + l * THREADS;
                xr[l] = e < BM * (BK / 4) ? load_x(mBase + e / (BK / 4), next + 4 * (e % (BK / 4))) : f16vec4(0.0);
            }
            for (uint l = 0; l < W_LOADS; l++)
            {
                uint e = tid + l * THREADS;
                wr[l] = e < BN * (BK / 4) ? load_w(nBase + e / (BK / 4), next + 4 * (e % (BK / 4))) : f16vec4(0.0);
            }
        }

        for (uint kk = 0; kk < BK; kk += TK)
        {
            fcoopmatNV<16, gl_ScopeSubgroup, TM, TK> a[FRAG_M];
            for (uint i = 0; i < FRAG_M; i++)
                coopMatLoadNV(a[i], xs, (wm * WM + i * TM) * LDS + kk, LDS, false);
            for (uint j = 0; j < FRAG_N; j++)
            {
                // B = Wᵀ (TK × TN): W's rows are k-contiguous, which is B in column-major order.
                fcoopmatNV<16, gl_ScopeSubgroup, TK, TN> b;
                coopMatLoadNV(b, ws, (wn * WN + j * TN) * LDS + kk, LDS, true);
                for (uint i = 0; i < FRAG_M; i++)
                    acc[i * FRAG_N + j] = coopMatMulAddNV(a[i], b, acc[i * FRAG_N + j]);
            }
        }
        barrier();
    }

    uint tile = warp * TM * TN;
    for (uint i = 0; i < FRAG_M; i++)
        for (uint j = 0; j < FRAG_N; j++)
        {
            coopMatStoreNV(acc[i * FRAG_N + j], cs, tile, TN, false);
            subgroupMemoryBarrierShared();
            subgroupBarrier();
            for (uint e = lane; e < TM * TN; e += SUBGROUP)
            {
                uint m = mBase + wm * WM + i * TM + e / TN;
                uint n = nBase + wn * WN + j * TN + e % TN;
                if (m < p.M && n < p.N)
                {
                    float v = cs[tile + e];
                    if (p.hasBias != 0u)
                        v += BIAS_AT(p.n0 + n);
                    Y_STORE(m * p.ldy + p.n0 + n, activate(v, p.act));
                }
            }
            subgroupBarrier();   // every lane has read the tile before the next store overwrites it
        }
}
