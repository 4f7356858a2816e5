// A linear followed by the LayerNorm that adds its residual (an ELECTRA layer's output dense + LayerNorm), one dispatch:
//   y = x·Wᵀ + bias                       (written too, exactly as the linear alone would)
//   out = LayerNorm(y + residual)·gamma + beta   over each row, biased variance
// A workgroup owns BM whole rows (N ≤ THREADS·NC features), so the row statistics never leave it. x rows are staged in
// shared memory BK columns at a time; each thread reads its own weight rows as vec4s along K. Per output the sum runs
// over k in order, as in the tiled GEMM. The including shader defines WEIGHT_T and WEIGHT4_T.
//
// F16_MATH (float16 weights and activations, as in matmul_body.glsl): x is staged as f16vec2 pairs along K, and each
// output sums packed f16vec2 products in half over 16 products (8 per lane) before each float32 fold.
#include "common.glsl"
#if defined(F16_MATH) && !defined(ACT_F16)
#error F16_MATH multiplies float16 activations: build it with ACT_F16
#endif
layout(local_size_x_id = 0) in;
layout(constant_id = 0) const uint THREADS = 256;   // a power of two
layout(constant_id = 1) const uint NC = 4;          // features per thread
layout(constant_id = 2) const uint BM = 8;          // rows per workgroup
const uint BK = 32;
#include "matmul_layernorm_io.glsl"

#ifdef F16_MATH
shared f16vec2 xs[BM * BK / 2];
#else
shared float xs[BM * BK];
#endif
shared float partial[BM * THREADS];

// Sums each row's value over the workgroup (a tree in shared memory); every thread gets the BM totals.
void row_sums(inout float v[BM])
{
    uint t = gl_LocalInvocationID.x;
    for (uint r = 0; r < BM; r++)
        partial[r * THREADS + t] = v[r];
    barrier();
    for (uint s = THREADS / 2; s > 0; s >>= 1)
    {
        if (t < s)
            for (uint r = 0; r < BM; r++)
                partial[r * THREADS + t] += partial[r * THREADS + t + s];
        barrier();
    }
    for (uint r = 0; r < BM; r++)
        v[r] = partial[r * THREADS];
    barrier();
}

vec4 load_w(uint n, uint k)
{
    uint at = n * p.K + k;
    if ((p.K & 3u) == 0u && k < p.K) return vec4(w4[at >> 2]);
    vec4 r = vec4(0.0);
    for (uint c = 0; c < 4; c++)
        if (k + c < p.K) r[c] = float(w[at + c]);
    return r;
}

#ifdef F16_MATH
f16vec4 load_wh(uint n, uint k)
{
    uint at = n * p.K + k;
    if ((p.K & 3u) == 0u && k < p.K) return f16vec4(w4[at >> 2]);
    f16vec4 r = f16vec4(0.0);
    for (uint c = 0; c < 4; c++)
        if (k + c < p.K) r[c] = float16_t(w[at + c]);
    return r;
}
#endif

void main()
{
    uint t = gl_LocalInvocationID.x;
    uint m0 = flat_workgroup_index() * BM;

    float acc[BM][NC];
    for (uint r = 0; r < BM; r++)
        for (uint c = 0; c < NC; c++)
            acc[r][c] = 0.0;

#ifdef F16_MATH
    for (uint k0 = 0; k0 < p.K; k0 += BK)
    {
        for (uint e = t; e < BM * BK / 2; e += THREADS)
        {
            uint r = e / (BK / 2), k = k0 + 2 * (e - r * (BK / 2));
            bool row = m0 + r < p.M;
            xs[e] = f16vec2(row && k < p.K ? x[(m0 + r) * p.K + k] : float16_t(0.0),
                            row && k + 1 < p.K ? x[(m0 + r) * p.K + k + 1] : float16_t(0.0));
        }
        barrier();
        for (uint c = 0; c < NC; c++)
        {
            uint n = t + c * THREADS;
            if (n >= p.N) continue;
            for (uint kh = 0; kh < BK; kh += 16)   // 8 pairs in half, then a float32 fold
            {
                f16vec2 h[BM];
                for (uint r = 0; r < BM; r++)
                    h[r] = f16vec2(0.0hf);
                for (uint kk = kh; kk < kh + 16; kk += 4)
                {
                    f16vec4 wv = load_wh(n, k0 + kk);
                    for (uint r = 0; r < BM; r++)
                    {
                        h[r] = fma(xs[r * (BK / 2) + kk / 2], wv.xy, h[r]);
                        h[r] = fma(xs[r * (BK / 2) + kk / 2 + 1], wv.zw, h[r]);
                    }
                }
                for (uint r = 0; r < BM; r++)
                    acc[r][c] += float(h[r].x) + float(h[r].y);
            }
        }
        barrier();
    }
#else
    for (uint k0 = 0; k0 < p.K; k0 += BK)
    {
        for (uint e = t; e < BM * BK; e += THREADS)
        {
            uint r = e / BK, c = e - r * BK;
            xs[e] = (m0 + r < p.M && k0 + c < p.K) ? float(x[(m0 + r) * p.K + k0 + c]) : 0.0;
        }
        barrier();
        for (uint c = 0; c < NC; c++)
        {
            uint n = t + c * THREADS;
            if (n >= p.N) continue;
            for (uint kk = 0; kk < BK; kk += 4)
            {
                vec4 wv = load_w(n, k0 + kk);
                for (uint r = 0; r < BM; r++)
                {
                    float a = acc[r][c];
                    a += xs[r * BK + kk] * wv.x;
                    a += xs[r * BK + kk + 1] * wv.y;
                    a += xs[r * BK + kk + 2] * wv.z;
                    a += xs[r * BK + kk + 3] * wv.w;
                    acc[r][c] = a;
                }
            }
        }
        barrier();
    }
#endif

    // y, then y + residual, whose row mean and (from the registers, a second pass) variance normalise it.
    float sums[BM];
    for (uint r = 0; r < BM; r++)
    {
        uint m = m0 + r;
        float s = 0.0;
        for (uint c = 0; c < NC; c++)
        {
            uint n = t + c * THREADS;
            if (m >= p.M || n >= p.N) continue;
            float v = acc[r][c];
            if (p.hasBias != 0u)
                v += bias[n];
            y[m * p.N + n] = ACT_T(v);
            v += float(residual[m * p.N + n]);
            acc[r][c] = v;
            s += v;
        }
        sums[r] = s;
    }
    row_sums(sums);
    float mean[BM];
    for (uint r = 0; r < BM; r++)
    {
        mean[r] = sums[r] / float(p.N);
        float q = 0.0;
        for (uint c = 0; c < NC; c++)
        {
            uint n = t + c * THREADS;
            if (m0 + r >= p.M || n >= p.N) continue;
            float d = acc[r][c] - mean[r];
            q += d * d;
        }
        sums[r] = q;
    }
    row_sums(sums);
    for (uint r = 0; r < BM; r++)
    {
        uint m = m0 + r;
        if (m >= p.M) continue;
        float inv = 1.0 / sqrt(sums[r] / float(p.N) + p.eps);
        for (uint c = 0; c < NC; c++)
        {
            uint n = t + c * THREADS;
            if (n < p.N)
                o[m * p.N + n] = ACT_T((acc[r][c] - mean[r]) * inv * gamma[n] + beta[n]);
        }
    }
}
