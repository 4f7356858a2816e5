// matmul_layernorm.glsl shaped for CPU devices: the same outputs (y = x·Wᵀ + bias, and LayerNorm(y + residual)·gamma +
// beta over each row, biased variance) from RB whole rows per workgroup of ceil(N / CB) invocations, each holding an
// RB × CB block (matmul_cpu_block.glsl). The row statistics take a subgroupAdd and one barrier pair each, not a tree.
// The including shader defines WEIGHT_T and WEIGHT4_T.
#extension GL_KHR_shader_subgroup_basic : require
#extension GL_KHR_shader_subgroup_arithmetic : require
#include "common.glsl"
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint THREADS = 32;   // ceil(N / CB), rounded up to a multiple of 8
#include "matmul_layernorm_io.glsl"
layout(std430, binding = 0) readonly buffer X4 { ACT4_T x4[]; };   // x read as vec4s along K
#define X_AT(i) float(x[i])
#define X4_AT(i) vec4(x4[i])
#define W_AT(i) float(w[i])
#define W4_AT(i) vec4(w4[i])
#include "matmul_cpu_block.glsl"

shared float partial[RB * THREADS];   // a slot per row and subgroup (at most THREADS subgroups)

// Each row's total over the workgroup, in every invocation: within the subgroup, then over the subgroups in order.
void row_sums(inout float v[RB])
{
    [[unroll]] for (uint r = 0; r < RB; r++)
        v[r] = subgroupAdd(v[r]);
    if (subgroupElect())
        [[unroll]] for (uint r = 0; r < RB; r++)
            partial[r * THREADS + gl_SubgroupID] = v[r];
    barrier();
    [[unroll]] for (uint r = 0; r < RB; r++)
    {
        float s = 0.0;
        for (uint g = 0; g < gl_NumSubgroups; g++)
            s += partial[r * THREADS + g];
        v[r] = s;
    }
    barrier();
}

void main()
{
    uint m0 = flat_workgroup_index() * RB;
    uint n0 = gl_LocalInvocationID.x * CB;
    float acc[RB][CB];
    gemm_block(m0, n0, p.M, p.N, p.K, acc);

    float sums[RB];
    [[unroll]] for (uint r = 0; r < RB; r++)
    {
        uint m = m0 + r;
        float s = 0.0;
        [[unroll]] for (uint c = 0; c < CB; c++)
        {
            uint n = n0 + c;
            if (n >= p.N) continue;
            float v = acc[r][c];
            if (p.hasBias != 0u)
                v += bias[n];
            if (m < p.M)
                y[m * p.N + n] = ACT_T(v);
            v += float(residual[min(m, p.M - 1u) * p.N + n]);
            acc[r][c] = v;
            s += v;
        }
        sums[r] = s;
    }
    row_sums(sums);
    float mean[RB];
    [[unroll]] for (uint r = 0; r < RB; r++)
    {
        mean[r] = sums[r] / float(p.N);
        float q = 0.0;
        [[unroll]] for (uint c = 0; c < CB; c++)
        {
            if (n0 + c >= p.N) continue;
            float d = acc[r][c] - mean[r];
            q += d * d;
        }
        sums[r] = q;
    }
    row_sums(sums);
    [[unroll]] for (uint r = 0; r < RB; r++)
    {
        uint m = m0 + r;
        if (m >= p.M) continue;
        float inv = 1.0 / sqrt(sums[r] / float(p.N) + p.eps);
        [[unroll]] for (uint c = 0; c < CB; c++)
        {
            uint n = n0 + c;
            if (n < p.N)
                o[m * p.N + n] = ACT_T((acc[r][c] - mean[r]) * inv * gamma[n] + beta[n]);
        }
    }
}
