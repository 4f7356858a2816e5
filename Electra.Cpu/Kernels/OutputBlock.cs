namespace Electra.Cpu.Kernels;

/// <summary>
/// Where a block of one GEMM output goes when a caller keeps it in a buffer of its own (the fused self-attention's
/// tiles): panels [<paramref name="FirstPanel"/>, <paramref name="EndPanel"/>) of output <paramref name="Output"/>,
/// whose first row and first column are at <paramref name="Y"/>, rows <paramref name="Ldy"/> floats apart.
/// </summary>
internal readonly record struct OutputBlock(int Output, int FirstPanel, int EndPanel, nint Y, nint Ldy);
