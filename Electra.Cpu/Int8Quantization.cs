namespace Electra.Cpu;

/// <summary>
/// Dynamic int8 quantization of the encoder layers' linears, the scheme of ONNX Runtime's <c>quantize_dynamic</c>:
/// weights quantized once at load to int8, symmetric (zero point 0, codes in [−127, 127]); each linear's input
/// quantized per call to uint8 with its own range (ONNX DynamicQuantizeLinear); int32 sums; the float rescale, bias and
/// activation fused in the GEMM epilogue. Attention, LayerNorm, softmax, embeddings and heads stay float32.
/// </summary>
/// <param name="PerOutputChannelWeights">One weight scale per output channel instead of one per tensor (quantize_dynamic's
/// <c>per_channel=True</c>).</param>
/// <param name="PerRowActivations">One activation range per row (token) instead of one per tensor.</param>
/// <example><code>
/// using var backend = new CpuBackend(new CpuBackendOptions(Quantization: Int8Quantization.Default));
/// </code></example>
public sealed record Int8Quantization(bool PerOutputChannelWeights = false, bool PerRowActivations = false)
{
    /// <summary>Per-tensor weights and activations, as quantize_dynamic writes by default.</summary>
    public static Int8Quantization Default { get; } = new();

    public override string ToString() =>
        $"weights per {(PerOutputChannelWeights ? "channel" : "tensor")}, activations per {(PerRowActivations ? "row" : "tensor")}";
}
