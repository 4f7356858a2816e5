using System.Numerics.Tensors;
using Electra.Core.Backend;

namespace Electra.Cpu.Kernels;

/// <summary>y[M, N] = act(x[M, K]·Wᵀ + b) with W in PyTorch layout [N, K].</summary>
public static class LinearKernel
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        int m, int k, int n, Activation activation, Span<float> y)
    {
        for (int r = 0; r < m; r++)
        {
            var xr = x.Slice(r * k, k);
            var yr = y.Slice(r * n, n);
            for (int c = 0; c < n; c++)
                yr[c] = TensorPrimitives.Dot(xr, weight.Slice(c * k, k)) + (bias.IsEmpty ? 0f : bias[c]);
            ActivationKernels.Apply(activation, yr);
        }
    }
}
