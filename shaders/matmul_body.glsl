// y[m, n0 + n] = act(sum_k x[m, k] * W[n, k] + bias[n0 + n]) with W in PyTorch layout [N, K] (x·Wᵀ).
// WEIGHT_T is float or float16_t (16-bit storage, float32 accumulation).
#include "common.glsl"

layout(local_size_x_id = 0, local_size_y_id = 1) in;
layout(constant_id = 0) const uint TILE_N = 16;
layout(constant_id = 1) const uint TILE_M = 16;

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

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { WEIGHT_T w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };

shared float xTile[TILE_M][TILE_N];
shared float wTile[TILE_N][TILE_N];

void main()
{
    uint tx = gl_LocalInvocationID.x;
    uint ty = gl_LocalInvocationID.y;
    uint nBase = gl_WorkGroupID.x * TILE_N;
    uint n = nBase + tx;
    uint m = gl_WorkGroupID.y * TILE_M + ty;

    float acc = 0.0;
    for (uint k0 = 0; k0 < p.K; k0 += TILE_N)
    {
        uint k = k0 + tx;
        xTile[ty][tx] = (m < p.M && k < p.K) ? x[m * p.K + k] : 0.0;
        for (uint r = ty; r < TILE_N; r += TILE_M)
        {
            uint wn = nBase + r;
            wTile[r][tx] = (wn < p.N && k < p.K) ? float(w[wn * p.K + k]) : 0.0;
        }
        barrier();
        for (uint kk = 0; kk < TILE_N; kk++)
            acc += xTile[ty][kk] * wTile[tx][kk];
        barrier();
    }

    if (m < p.M && n < p.N)
    {
        if (p.hasBias != 0u)
            acc += bias[p.n0 + n];
        y[m * p.ldy + p.n0 + n] = activate(acc, p.act);
    }
}
