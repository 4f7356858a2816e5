// The GEMM inner block for CPU devices (lavapipe, SwiftShader), where a workgroup runs as a loop over SIMD lanes on one
// CPU thread: every buffer or shared-memory load is issued lane by lane, a barrier switches coroutines, and arithmetic
// on registers is what is cheap. So an invocation owns an RB × CB block of outputs (RB rows, CB adjacent features) in
// registers and reads x and W straight from the buffers as vec4s along K, no shared memory and no barriers:
// RB + CB vec4 loads feed RB·CB·4 multiply-adds (the GPU kernels read a value from shared memory per 4–8 of them).
// Rows and features past the end read the last valid one, so the loop has no branches; their results are dropped.
// Per output the sum runs over k in order, as in the GPU kernels. The including shader defines X_AT/X4_AT and
// W_AT/W4_AT (x and the weight as float / vec4, index in those units), as matmul_body.glsl does.
#extension GL_EXT_control_flow_attributes : require

#define RB 16u   // rows per invocation
#define CB 8u    // features per invocation

void gemm_block(uint m0, uint n0, uint M, uint N, uint K, inout float acc[RB][CB])
{
    uint xr[RB];
    uint wr[CB];
    [[unroll]] for (uint r = 0; r < RB; r++)
        xr[r] = min(m0 + r, M - 1u) * K;
    [[unroll]] for (uint c = 0; c < CB; c++)
        wr[c] = min(n0 + c, N - 1u) * K;
    [[unroll]] for (uint r = 0; r < RB; r++)
        [[unroll]] for (uint c = 0; c < CB; c++)
            acc[r][c] = 0.0;

    if ((K & 3u) == 0u)
    {
        [[unroll]] for (uint r = 0; r < RB; r++) xr[r] >>= 2;
        [[unroll]] for (uint c = 0; c < CB; c++) wr[c] >>= 2;
        for (uint k4 = 0; k4 < (K >> 2); k4++)
        {
            vec4 wv[CB];
            [[unroll]] for (uint c = 0; c < CB; c++)
                wv[c] = W4_AT(wr[c] + k4);
            [[unroll]] for (uint r = 0; r < RB; r++)
            {
                vec4 xv = X4_AT(xr[r] + k4);
                [[unroll]] for (uint c = 0; c < CB; c++)
                {
                    float a = acc[r][c];
                    a += xv.x * wv[c].x;
                    a += xv.y * wv[c].y;
                    a += xv.z * wv[c].z;
                    a += xv.w * wv[c].w;
                    acc[r][c] = a;
                }
            }
        }
        return;
    }
    for (uint k = 0; k < K; k++)
    {
        float wv[CB];
        [[unroll]] for (uint c = 0; c < CB; c++)
            wv[c] = W_AT(wr[c] + k);
        [[unroll]] for (uint r = 0; r < RB; r++)
        {
            float xv = X_AT(xr[r] + k);
            [[unroll]] for (uint c = 0; c < CB; c++)
                acc[r][c] += xv * wv[c];
        }
    }
}
