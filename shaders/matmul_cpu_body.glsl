// y[m, n0 + n] = act(sum_k x[m, k] * W[n, k] + bias[n0 + n]), as matmul_body.glsl computes it, shaped for CPU devices:
// each invocation holds an RB × CB block of outputs in registers (matmul_cpu_block.glsl), no shared memory, no barriers.
// The including shader declares the buffers and defines X_AT/X4_AT, W_AT/W4_AT, BIAS_AT and Y_STORE.
#include "common.glsl"
layout(local_size_x_id = 0, local_size_y_id = 1) in;
layout(constant_id = 0) const uint THREADS_N = 8;
layout(constant_id = 1) const uint THREADS_M = 4;
layout(push_constant) uniform Params
{
    uint M; uint N; uint K; uint ldy; uint n0; uint hasBias; uint act;
    uint kSplit;   // unused: CPU devices never split K
} p;
#include "matmul_cpu_block.glsl"

void main()
{
    uint n0 = (gl_WorkGroupID.x * THREADS_N + gl_LocalInvocationID.x) * CB;
    uint m0 = (gl_WorkGroupID.y * THREADS_M + gl_LocalInvocationID.y) * RB;
    if (n0 >= p.N || m0 >= p.M)
        return;
    float acc[RB][CB];
    gemm_block(m0, n0, p.M, p.N, p.K, acc);
    [[unroll]] for (uint r = 0; r < RB; r++)
    {
        uint m = m0 + r;
        if (m >= p.M) continue;
        [[unroll]] for (uint c = 0; c < CB; c++)
        {
            uint n = n0 + c;
            if (n >= p.N) continue;
            float v = acc[r][c];
            if (p.hasBias != 0u)
                v += BIAS_AT(p.n0 + n);
            Y_STORE(m * p.ldy + p.n0 + n, activate(v, p.act));
        }
    }
}
