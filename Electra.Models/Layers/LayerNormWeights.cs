using Electra.Core.Backend;
using Electra.Models.Loading;

namespace Electra.Models.Layers;

/// <summary>HF: nn.LayerNorm. Keys: {prefix}.weight, {prefix}.bias, [n].</summary>
public sealed record LayerNormWeights(DeviceTensor Weight, DeviceTensor Bias, float Eps)
{
    internal static LayerNormWeights Load(WeightReader weights, string prefix, int size, double eps) =>
        weights.LayerNorm(prefix, size, eps);

    /// <summary>LayerNorm(x + residual) over the last dimension; residual may be null. The inputs stay the caller's.</summary>
    internal DeviceTensor Forward(IForwardPass pass, DeviceTensor x, DeviceTensor? residual) =>
        pass.LayerNorm(x, residual, Weight, Bias, Eps);
}
