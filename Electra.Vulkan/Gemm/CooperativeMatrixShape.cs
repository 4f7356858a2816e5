namespace Electra.Vulkan;

/// <summary>Component types of cooperative matrices (VkComponentTypeKHR; the NV extension numbers them alike).</summary>
public enum CooperativeMatrixComponent
{
    Float16 = 0, Float32 = 1, Float64 = 2, SInt8 = 3, SInt16 = 4, SInt32 = 5, SInt64 = 6, UInt8 = 7, UInt16 = 8, UInt32 = 9,
    UInt64 = 10, Other = -1,
}

/// <summary>Which Vulkan extension offers a cooperative-matrix shape.</summary>
public enum CooperativeMatrixExtension { Khr, NV }

/// <summary>
/// One multiply-add shape a device offers on its matrix (tensor) cores: Result (M × N) = A (M × K) · B (K × N) + C, as
/// vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR / ...NV report it.
/// </summary>
/// <example><c>16×16×16 f16·f16+f32→f32 (subgroup, KHR)</c></example>
public sealed record CooperativeMatrixShape(
    CooperativeMatrixExtension Extension, int M, int N, int K,
    CooperativeMatrixComponent A, CooperativeMatrixComponent B, CooperativeMatrixComponent C, CooperativeMatrixComponent Result,
    bool SubgroupScope)
{
    public override string ToString() =>
        $"{M}×{N}×{K} {Short(A)}·{Short(B)}+{Short(C)}→{Short(Result)} ({(SubgroupScope ? "subgroup" : "other scope")}, {Extension.ToString().ToUpperInvariant()})";

    private static string Short(CooperativeMatrixComponent c) => c switch
    {
        CooperativeMatrixComponent.Float16 => "f16",
        CooperativeMatrixComponent.Float32 => "f32",
        CooperativeMatrixComponent.Float64 => "f64",
        CooperativeMatrixComponent.SInt8 => "s8",
        CooperativeMatrixComponent.UInt8 => "u8",
        CooperativeMatrixComponent.SInt32 => "s32",
        CooperativeMatrixComponent.UInt32 => "u32",
        _ => c.ToString().ToLowerInvariant(),
    };

    /// <summary>The shape the cooperative-matrix GEMM can use: half operands, float accumulators, one subgroup.</summary>
    internal bool IsHalfToFloat =>
        SubgroupScope && A == CooperativeMatrixComponent.Float16 && B == CooperativeMatrixComponent.Float16 &&
        C == CooperativeMatrixComponent.Float32 && Result == CooperativeMatrixComponent.Float32;
}
