// y[m, n0 + n] = act(sum_k x[m, k] * W[n, k] + bias[n0 + n]) with W in PyTorch layout [N, K] (x·Wᵀ).
// The including shader declares the buffers and defines W_AT(i) (a weight as float), BIAS_AT(n) and Y_STORE(i, v):
// one weight (matmul.comp) or one of several chosen by gl_WorkGroupID.z (matmul_multi.comp, e.g. query/key/value).
// Each workgroup computes a (THREADS_M·4) × (THREADS_N·4) block of y from K-slices staged in shared memory; each
// thread accumulates a 4×4 register tile, so there are two barriers per 16 k-steps of a whole block.
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1) in;
layout(constant_id = 0) const uint THREADS_N = 16;
layout(constant_id = 1) const uint THREADS_M = 16;
const uint TM = 4;
const uint TN = 4;
const uint BK = 16;
const uint STRIDE = BK + 1;   // padding keeps the column reads of one k-step in distinct shared-memory banks

layout(push_constant) uniform Params
{
    uint M;        // rows of x
    uint N;        // output features held by this weight buffer (one chunk of the weight's rows)
    uint K;        // input features
    uint ldy;      // row stride of y (all output features)
    uint n0;       // first output feature of this chunk
    uint hasBias;
    uint act;
} p;


shared float xTile[THREADS_M * TM * STRIDE];
shared float wTile[THREADS_N * TN * STRIDE];

void main()
{
    const uint BM = THREADS_M * TM;
    const uint BN = THREADS_N * TN;
    const uint threads = THREADS_M * THREADS_N;
    uint tx = gl_LocalInvocationID.x;
    uint ty = gl_LocalInvocationID.y;
    uint tid = ty * THREADS_N + tx;
    uint mBase = gl_WorkGroupID.y * BM;
    uint nBase = gl_WorkGroupID.x * BN;

    float acc[TM][TN];
    for (uint i = 0; i < TM; i++)
        for (uint j = 0; j < TN; j++)
            acc[i][j] = 0.0;

    for (uint k0 = 0; k0 < p.K; k0 += BK)
    {
        for (uint e = tid; e < BM * BK; e += threads)
        {
            uint r = e / BK, c = e - r * BK;
            uint m = mBase + r, k = k0 + c;
            xTile[r * STRIDE + c] = (m < p.M && k < p.K) ? x[m * p.K + k] : 0.0;
        }
        for (uint e = tid; e < BN * BK; e += threads)
        {
            uint r = e / BK, c = e - r * BK;
            uint n = nBase + r, k = k0 + c;
            wTile[r * STRIDE + c] = (n < p.N && k < p.K) ? W_AT(n * p.K + k) : 0.0;
        }
        barrier();
        for (uint kk = 0; kk < BK; kk++)
        {
            float a[TM];
            float b[TN];
            for (uint i = 0; i < TM; i++) a[i] = xTile[(ty + i * THREADS_M) * STRIDE + kk];
            for (uint j = 0; j < TN; j++) b[j] = wTile[(tx + j * THREADS_N) * STRIDE + kk];
            for (uint i = 0; i < TM; i++)
                for (uint j = 0; j < TN; j++)
                    acc[i][j] += a[i] * b[j];
        }
        barrier();
    }

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
