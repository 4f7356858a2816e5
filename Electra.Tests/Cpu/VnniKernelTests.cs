using Electra.Cpu;
using Electra.Cpu.Kernels.Int8;
using Electra.Cpu.Kernels.Int8.Vnni;
using Electra.Models;
using Electra.Tests.Support;
using FsCheck.Xunit;
using Iced.Intel;

namespace Electra.Tests.Cpu;

/// <summary>
/// The generated AVX-512 VNNI code (<see cref="VnniKernel"/>): its strips against a scalar reference (exact int32
/// sums, the rescale in the same float operations, so bit for bit), the worst-case values, what the code is made of
/// (checked by decoding it, on any CPU), and a model's outputs against the managed int8 path.
/// </summary>
public class VnniKernelTests
{
    const int Nr = 32;

    // Freshly generated code, without the self-check: a broken generator must fail these tests, not fall back quietly.
    static readonly Lazy<VnniKernel> s_kernel = new(VnniKernel.Create);

    /// <summary>
    /// Strips of any shape: rows across the 8-row blocks and every rest, depths across the 4-quad unrolled loop and the
    /// one-quad loop, partial panels, strides with padding, with a bias and without one (null: the strip adds −0, which
    /// must leave every product's bits as they are). Cells outside the strip (columns past <c>cols</c>, the padding of
    /// C's rows) must keep their NaN.
    /// </summary>
    [VnniProperty(MaxTest = 300)]
    public unsafe void StripMatchesScalarReference(byte rowsSeed, byte quadsSeed, byte colsSeed, byte padSeed, int seed, bool uniformRows,
        bool withBias)
    {
        int rows = 1 + rowsSeed % 40, quads = 1 + quadsSeed % 23, cols = 1 + colsSeed % Nr;
        int lda = 4 * quads + padSeed % 9, ldc = Nr + padSeed % 5;
        var rng = new Random(seed);
        var a = new byte[rows * lda];
        var b = new sbyte[quads * Nr * 4];
        rng.NextBytes(a);
        for (int i = 0; i < b.Length; i++) b[i] = (sbyte)rng.Next(-127, 128);
        var offsets = Enumerable.Range(0, rows).Select(_ => -rng.Next(256)).ToArray();
        var rowScales = Enumerable.Range(0, rows).Select(_ => (float)rng.NextDouble() + 1e-3f).ToArray();
        var sums = Enumerable.Range(0, Nr).Select(_ => rng.Next(-40000, 40000)).ToArray();
        var colScales = Enumerable.Range(0, Nr).Select(_ => (float)rng.NextDouble() * 0.05f).ToArray();
        // Per tensor every row shares one offset and scale, and the strip takes the functions made for that.
        if (uniformRows) { offsets.AsSpan().Fill(offsets[0]); rowScales.AsSpan().Fill(rowScales[0]); }
        var bias = withBias ? Enumerable.Range(0, Nr).Select(_ => (float)rng.NextDouble() * 6 - 3).ToArray() : null;
        var c = Run(a, lda, rows, b, quads, ldc, cols, offsets, rowScales, sums, colScales, uniformRows, bias);
        AssertMatches(c, a, lda, rows, b, quads, ldc, cols, offsets, rowScales, sums, colScales, bias);
    }

    /// <summary>
    /// The largest products at a depth where any saturation would show: activation codes all 255 times weights all
    /// +127, all −127 or alternating, over 1024 inputs (sums of ±33 million, exact in int32).
    /// </summary>
    [VnniTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void ExtremeValuesAreExact(bool uniformRows)
    {
        const int rows = 17, quads = 256, lda = 4 * quads;
        var a = Enumerable.Repeat((byte)255, rows * lda).ToArray();
        var b = new sbyte[quads * Nr * 4];
        for (int q = 0; q < quads; q++)
            for (int j = 0; j < Nr; j++)
                for (int i = 0; i < 4; i++)
                    b[(q * Nr + j) * 4 + i] = (j % 3) switch { 0 => 127, 1 => -127, _ => (sbyte)(i % 2 == 0 ? 127 : -127) };
        var ones = Enumerable.Repeat(1f, Nr).ToArray();
        var c = Run(a, lda, rows, b, quads, Nr, Nr, new int[rows], Enumerable.Repeat(1f, rows).ToArray(), new int[Nr], ones, uniformRows);
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < Nr; j++)
            {
                int expected = (j % 3) switch { 0 => 255 * 127 * 4 * quads, 1 => -255 * 127 * 4 * quads, _ => 0 };
                Assert.Equal((float)expected, c[r * Nr + j]);
            }
    }

    /// <summary>The first use maps the code and runs the self-check; it passes where the CPU has AVX512_VNNI.</summary>
    [VnniFact]
    public void SelfCheckPassesAndTheIsaIsChosen()
    {
        Assert.Null(VnniSelfCheck.Mismatch(VnniKernel.Create()));
        if (Environment.GetEnvironmentVariable(VnniKernel.EnvironmentVariable) is not null) return;
        Assert.Equal(Int8Isa.Avx512Vnni, Int8IsaDetection.Best);
        Assert.Contains("self-check passed", Int8IsaDetection.Describe(Int8Isa.Avx512Vnni));
    }

    /// <summary>
    /// Decodes every generated function (runs on any CPU: generating code needs none): it has vpdpbusd, touches only
    /// caller-saved registers of the SysV ABI (no rbx, rbp, rsp, r12–r15, so nothing needs saving), never the stack,
    /// branches only inside itself, prefetches each block's output rows for writing, and ends in ret.
    /// </summary>
    [Fact]
    public void GeneratedCodeUsesVpdpbusdAndOnlyCallerSavedRegisters()
    {
        var allowed = new HashSet<Register> { Register.RAX, Register.RCX, Register.RDX, Register.RSI, Register.RDI,
            Register.R8, Register.R9, Register.R10, Register.R11, Register.K1, Register.K2 };
        for (int rows = 1; rows <= 8; rows++)
        {
            var code = VnniKernel.Code(rows);
            var decoder = Decoder.Create(64, new ByteArrayCodeReader(code));
            var instructions = new List<Instruction>();
            while (decoder.IP < (ulong)code.Length) instructions.Add(decoder.Decode());
            var info = new InstructionInfoFactory();
            int dots = 0, prefetches = 0;
            // Every instruction but the final ret (which pops the return address, the one use of the stack).
            Assert.Equal(Mnemonic.Ret, instructions[^1].Mnemonic);
            foreach (var instruction in instructions.SkipLast(1))
            {
                Assert.False(instruction.IsInvalid, $"{rows} rows: undecodable bytes at {instruction.IP}");
                if (instruction.Mnemonic == Mnemonic.Vpdpbusd) dots++;
                if (instruction.Mnemonic == Mnemonic.Prefetchw) prefetches++;
                Assert.False(instruction.StackPointerIncrement != 0, $"{rows} rows: {instruction} moves the stack pointer");
                foreach (var used in info.GetInfo(instruction).GetUsedRegisters())
                {
                    var register = used.Register.GetFullRegister();
                    bool vector = register.IsZMM() || register.IsYMM() || register.IsXMM();
                    Assert.True(vector || allowed.Contains(register) || register == Register.RIP,
                        $"{rows} rows: {instruction} uses {used.Register}, which the caller does not expect to change");
                }
                if (instruction.FlowControl is FlowControl.ConditionalBranch or FlowControl.UnconditionalBranch)
                    Assert.InRange(instruction.NearBranchTarget, 0UL, (ulong)code.Length - 1);
                Assert.False(instruction.FlowControl is FlowControl.Call or FlowControl.IndirectBranch or FlowControl.IndirectCall,
                    $"{rows} rows: {instruction}");
            }
            Assert.Equal(2 * rows * 5, dots); // 2 column vectors per row, 4 quads in the unrolled loop + 1 in the tail
            Assert.Equal(2 * rows, prefetches); // both cache lines of each output row of the block, before its depth loop
        }
    }

    /// <summary>
    /// The same codes and exact int32 sums give the same floats: a model's outputs through the generated code (or its
    /// portable twin) are bit-identical to those of the managed AVX-512 int8 kernel, per tensor and per row.
    /// </summary>
    [Theory]
    [InlineData("model_proj_gelu")]
    [InlineData("models/electra-small-random")]
    public void ModelOutputsAreBitIdenticalToTheManagedPath(string caseName)
    {
        var fixture = FixtureCase.Load(caseName);
        foreach (var quantization in new[] { Int8Quantization.Default, new Int8Quantization(true, true) })
        {
            using var managed = new CpuBackend(new CpuBackendOptions(Threads: 2, Quantization: quantization, Int8Isa: Int8Isa.Avx512));
            using var vnni = new CpuBackend(new CpuBackendOptions(Threads: 2, Quantization: quantization, Int8Isa: Int8Isa.Avx512Vnni));
            var expected = ElectraPretrained.Load(fixture.Folder, managed).Forward(fixture.Inputs(), ForwardOptions.Everything);
            var actual = ElectraPretrained.Load(fixture.Folder, vnni).Forward(fixture.Inputs(), ForwardOptions.Everything);
            foreach (var (name, tensor) in expected.Tensors)
                Assert.True(tensor.Span.SequenceEqual(actual.Tensors[name].Span), $"{caseName} {quantization} {name} differs");
        }
    }

    static unsafe float[] Run(byte[] a, int lda, int rows, sbyte[] b, int quads, int ldc, int cols,
        int[] offsets, float[] rowScales, int[] sums, float[] colScales, bool uniformRows, float[]? bias = null)
    {
        var kernel = s_kernel.Value;
        var c = Enumerable.Repeat(float.NaN, rows * ldc).ToArray();
        fixed (byte* pa = a)
        fixed (sbyte* pb = b)
        fixed (int* po = offsets, ps = sums)
        fixed (float* prs = rowScales, pcs = colScales, pbias = bias, pc = c)
        {
            var e = new Int8Epilogue { RowOffset = po, RowScale = prs, ColSum = ps, ColScale = pcs, ColBias = pbias, UniformRows = uniformRows };
            kernel.RunStrip(Int8KernelVnni.Arguments(pa, lda, rows, pb, quads, pc, ldc, cols, e));
        }
        return c;
    }

    /// <summary>
    /// Scalar: exact int sums, then float(acc + offset · sum) · (rowScale · colScale) as the kernels round it, then
    /// + bias (nothing at all without one).
    /// </summary>
    static void AssertMatches(float[] c, byte[] a, int lda, int rows, sbyte[] b, int quads, int ldc, int cols,
        int[] offsets, float[] rowScales, int[] sums, float[] colScales, float[]? bias = null)
    {
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < ldc; j++)
            {
                float expected = float.NaN;
                if (j < cols)
                {
                    int acc = 0;
                    for (int k = 0; k < 4 * quads; k++) acc += a[r * lda + k] * b[(k / 4 * Nr + j) * 4 + k % 4];
                    expected = (float)(acc + offsets[r] * sums[j]) * (rowScales[r] * colScales[j]);
                    if (bias != null) expected += bias[j];
                }
                float actual = c[r * ldc + j];
                Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                    $"{rows}×{4 * quads}, {cols} columns: C[{r}, {j}] = {actual}, expected {expected}");
            }
    }
}

/// <summary>
/// Why this machine cannot run the generated AVX-512 VNNI code (OS, architecture, CPU), or null. Not whether the
/// process chose it: where the CPU can, a failed self-check must turn the tests red rather than skip them.
/// </summary>
static class VnniAvailability
{
    public static string? SkipReason => VnniKernel.UnsupportedReason() is { } reason ? "AVX-512 VNNI code cannot run here: " + reason : null;
}

/// <summary>A fact that is skipped where the generated AVX-512 VNNI code cannot run (the reason says which check failed).</summary>
public sealed class VnniFactAttribute : FactAttribute
{
    public VnniFactAttribute()
    {
        if (VnniAvailability.SkipReason is string reason) Skip = reason;
    }
}

/// <summary>A theory that is skipped where the generated AVX-512 VNNI code cannot run.</summary>
public sealed class VnniTheoryAttribute : TheoryAttribute
{
    public VnniTheoryAttribute()
    {
        if (VnniAvailability.SkipReason is string reason) Skip = reason;
    }
}

/// <summary>An FsCheck property that is skipped where the generated AVX-512 VNNI code cannot run.</summary>
public sealed class VnniPropertyAttribute : PropertyAttribute
{
    public VnniPropertyAttribute()
    {
        if (VnniAvailability.SkipReason is string reason) Skip = reason;
    }
}
