using System.Buffers.Binary;
using Electra.Vulkan.Kernels;
using Electra.Vulkan.Spirv;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Vulkan;

/// <summary>
/// The NV → KHR cooperative-matrix rewrite on its own. The expected KHR words are written here from the
/// SPV_KHR_cooperative_matrix spec (opcodes 4456–4460, capability 6022, Use A/B/Accumulator = 0/1/2, Layout
/// RowMajor/ColumnMajor = 0/1, load/store: layout before stride), not from the rewriter's output. No tool here can
/// validate KHR SPIR-V (Debian's spirv-val predates the extension).
/// </summary>
public sealed class CooperativeMatrixRewriteTests
{
    // Ids of the tiny hand-assembled module (SPIR-V §2.3 physical layout; opcodes from the unified spec).
    private const uint Main = 1, Void = 2, Fn = 3, UInt = 4, Int = 5, Half = 6, Float = 7, Bool = 8, Scope = 9, U16 = 10, U8 = 11,
        True = 12, False = 13, A = 14, B = 15, C = 16, PtrHalf = 17, PtrFloat = 18, Pa = 19, Pb = 20, Pc = 21, Label = 22,
        La = 23, Lb = 24, Lc = 25, R = 26, Len = 27, Bound = 28;

    private static uint[] Op(ushort opcode, params uint[] operands) => [(uint)(operands.Length + 1) << 16 | opcode, .. operands];

    private static uint[] Str(string s)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(s);
        var words = new uint[bytes.Length / 4 + 1];
        for (int i = 0; i < bytes.Length; i++) words[i / 4] |= (uint)bytes[i] << (8 * (i % 4));
        return words;
    }

    /// <summary>Types, constants and variables; the matrix component types are parameters (float or integer kernels).</summary>
    private static List<uint[]> Declarations(bool nv, uint aComponent, uint bComponent, uint cComponent, uint bound)
    {
        var list = new List<uint[]>
        {
            Op(17, 1),                                           // OpCapability Shader
            Op(17, 9),                                           // OpCapability Float16
            Op(17, 5345),                                        // OpCapability VulkanMemoryModel
            Op(17, nv ? 5357u : 6022u),                          // OpCapability CooperativeMatrixNV / KHR
            Op(10, Str(nv ? "SPV_NV_cooperative_matrix" : "SPV_KHR_cooperative_matrix")),   // OpExtension
            Op(14, 0, 3),                                        // OpMemoryModel Logical Vulkan
            Op(15, [5, Main, .. Str("main"), Pa, Pb, Pc]),       // OpEntryPoint GLCompute %main "main" ...
            Op(16, Main, 17, 32, 1, 1),                          // OpExecutionMode LocalSize 32 1 1
            Op(71, PtrHalf, 6, 2),                               // OpDecorate %PtrHalf ArrayStride 2 (word 2 = 6 = %Half: not a result)
            Op(19, Void),                                        // OpTypeVoid
            Op(33, Fn, Void),                                    // OpTypeFunction
            Op(21, UInt, 32, 0),                                 // OpTypeInt 32 unsigned
            Op(21, Int, 32, 1),                                  // OpTypeInt 32 signed
            Op(22, Half, 16),                                    // OpTypeFloat 16
            Op(22, Float, 32),                                   // OpTypeFloat 32
            Op(20, Bool),                                        // OpTypeBool
            Op(43, UInt, Scope, 3),                              // OpConstant %uint 3 (Subgroup)
            Op(43, UInt, U16, 16),
            Op(43, UInt, U8, 8),
            Op(41, Bool, True),                                  // OpConstantTrue
            Op(42, Bool, False),                                 // OpConstantFalse
        };
        if (!nv)
        {
            list.Add(Op(43, UInt, bound, 0));                    // Use MatrixA / RowMajor
            list.Add(Op(43, UInt, bound + 1, 1));                // Use MatrixB / ColumnMajor
            list.Add(Op(43, UInt, bound + 2, 2));                // Use MatrixAccumulator
        }
        // A: 16 × 16 (M × K), B: 16 × 8 (K × N), C: 16 × 8 (M × N)
        list.Add(nv ? Op(5358, A, aComponent, Scope, U16, U16) : Op(4456, A, aComponent, Scope, U16, U16, bound));
        list.Add(nv ? Op(5358, B, bComponent, Scope, U16, U8) : Op(4456, B, bComponent, Scope, U16, U8, bound + 1));
        list.Add(nv ? Op(5358, C, cComponent, Scope, U16, U8) : Op(4456, C, cComponent, Scope, U16, U8, bound + 2));
        list.Add(Op(32, PtrHalf, 12, aComponent));               // OpTypePointer StorageBuffer
        list.Add(Op(32, PtrFloat, 12, cComponent));
        list.Add(Op(59, PtrHalf, Pa, 12));                       // OpVariable StorageBuffer
        list.Add(Op(59, PtrHalf, Pb, 12));
        list.Add(Op(59, PtrFloat, Pc, 12));
        return list;
    }

    private static byte[] Module(IEnumerable<uint[]> instructions, uint bound)
    {
        uint[] words = [0x07230203, 0x00010600, 0, bound, 0, .. instructions.SelectMany(w => w)];
        var bytes = new byte[words.Length * 4];
        for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), words[i]);
        return bytes;
    }

    private static uint[] Words(byte[] bytes)
    {
        var words = new uint[bytes.Length / 4];
        for (int i = 0; i < words.Length; i++) words[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4 * i));
        return words;
    }

    /// <summary>The NV kernel: load A (row-major), B (column-major, with memory operands), C; C = A·B + C; length; store.</summary>
    private static byte[] NvKernel(uint a = Half, uint b = Half, uint c = Float) => Module(
        [
            .. Declarations(true, a, b, c, Bound),
            Op(54, Void, Main, 0, Fn),                           // OpFunction
            Op(248, Label),                                      // OpLabel
            Op(5359, A, La, Pa, U16, False),                     // OpCooperativeMatrixLoadNV %A %La %Pa stride=16 columnMajor=false
            Op(5359, B, Lb, Pb, U16, True, 0x30, Scope),         // ... column-major, MakePointerVisible|NonPrivatePointer %scope
            Op(5359, C, Lc, Pc, U8, False),
            Op(5361, C, R, La, Lb, Lc),                          // OpCooperativeMatrixMulAddNV
            Op(5362, UInt, Len, A),                              // OpCooperativeMatrixLengthNV
            Op(5360, Pc, R, U8, False, 0x4),                     // OpCooperativeMatrixStoreNV ... Nontemporal
            Op(253),                                             // OpReturn
            Op(56),                                              // OpFunctionEnd
        ], Bound);

    /// <summary>The same kernel as the KHR spec writes it.</summary>
    private static byte[] KhrKernel(uint mulAddOperands, uint a = Half, uint b = Half, uint c = Float)
    {
        const uint rowMajor = Bound, columnMajor = Bound + 1;
        return Module(
        [
            .. Declarations(false, a, b, c, Bound),
            Op(54, Void, Main, 0, Fn),
            Op(248, Label),
            Op(4457, A, La, Pa, rowMajor, U16),                  // OpCooperativeMatrixLoadKHR %A %La %Pa layout stride
            Op(4457, B, Lb, Pb, columnMajor, U16, 0x30, Scope),
            Op(4457, C, Lc, Pc, rowMajor, U8),
            Op(4459, C, R, La, Lb, Lc, mulAddOperands),          // OpCooperativeMatrixMulAddKHR ... Cooperative Matrix Operands
            Op(4460, UInt, Len, A),                              // OpCooperativeMatrixLengthKHR
            Op(4458, Pc, R, rowMajor, U8, 0x4),                  // OpCooperativeMatrixStoreKHR pointer object layout stride memory
            Op(253),
            Op(56),
        ], Bound + 3);
    }

    [Fact]
    public void Tiny_float_kernel_becomes_the_KHR_instruction_stream_of_the_spec()
    {
        var actual = Words(CooperativeMatrixRewrite.ToKhr(NvKernel()));
        var expected = Words(KhrKernel(mulAddOperands: 0));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Signed_integer_components_set_the_operands_mask_of_MulAdd()
    {
        // A signed, B unsigned, C and Result signed: MatrixASigned | MatrixCSigned | MatrixResultSigned = 0x1 | 0x4 | 0x8.
        var actual = Words(CooperativeMatrixRewrite.ToKhr(NvKernel(a: Int, b: UInt, c: Int)));
        Assert.Equal(Words(KhrKernel(0xD, a: Int, b: UInt, c: Int)), actual);
    }

    [Fact]
    public void A_type_consumed_as_A_and_as_B_is_refused_with_the_roles_named()
    {
        // B declared with A's shape and used where A is: one NV type, two KHR uses.
        var module = Module(
        [
            .. Declarations(true, Half, Half, Float, Bound),
            Op(54, Void, Main, 0, Fn), Op(248, Label),
            Op(5359, A, La, Pa, U16, False),
            Op(5359, C, Lc, Pc, U8, False),
            Op(5361, C, R, La, La, Lc),
            Op(253), Op(56),
        ], Bound);
        var e = Assert.Throws<SpirvFormatException>(() => CooperativeMatrixRewrite.ToKhr(module));
        Assert.Contains($"%{A}", e.Message);
        Assert.Contains("MatrixA", e.Message);
        Assert.Contains("MatrixB", e.Message);
    }

    [Fact]
    public void Broken_modules_are_SpirvFormatExceptions_naming_the_position()
    {
        var good = NvKernel();
        Assert.Contains("magic", Assert.Throws<SpirvFormatException>(() => CooperativeMatrixRewrite.ToKhr(new byte[20])).Message);
        Assert.Contains("whole 32-bit words", Assert.Throws<SpirvFormatException>(() => CooperativeMatrixRewrite.ToKhr(good.AsSpan(0, 22))).Message);
        // Cut after a whole instruction (OpFunctionEnd, one word, dropped): still a stream of instructions, rewritten as such.
        Assert.Equal(Words(KhrKernel(0))[..^1], Words(CooperativeMatrixRewrite.ToKhr(good[..^4])));
        var cut = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(cut.AsSpan(cut.Length - 8), 9u << 16 | 253);   // OpReturn claiming 9 words
        Assert.Contains("claims 9 words", Assert.Throws<SpirvFormatException>(() => CooperativeMatrixRewrite.ToKhr(cut)).Message);
    }

    [Fact]
    public void A_module_without_NV_cooperative_matrices_is_unchanged()
    {
        var matmul = ShaderBinaries.Load("matmul_f16");
        Assert.Equal(matmul, CooperativeMatrixRewrite.ToKhr(matmul));
    }

    /// <summary>
    /// The shipped GEMMs (one linear, and query/key/value in one; float32 and float16 activations): every NV instruction
    /// replaced, one KHR type per use, ids and bound consistent.
    /// </summary>
    [Theory]
    [InlineData("matmul_coopmat")]
    [InlineData("matmul_coopmat_f16act")]
    [InlineData("matmul_coopmat_multi")]
    [InlineData("matmul_coopmat_multi_f16act")]
    public void The_embedded_coopmat_GEMM_rewrites_completely_and_consistently(string shader)
    {
        var nv = SpirvModule.Parse(ShaderBinaries.Load(shader));
        var khr = SpirvModule.Parse(CooperativeMatrixRewrite.ToKhr(ShaderBinaries.Load(shader)));

        Assert.Contains(nv.Instructions, i => i.Opcode == 5358);
        Assert.DoesNotContain(khr.Instructions, i => i.Opcode is >= 5358 and <= 5362);
        Assert.DoesNotContain(khr.Instructions, i => i.Opcode == 17 && i.Words[1] == 5357);
        Assert.Contains(khr.Instructions, i => i.Opcode == 17 && i.Words[1] == 6022);
        var extensions = khr.Instructions.Where(i => i.Opcode == 10).Select(i => SpirvModule.DecodeString(i.Operands)).ToList();
        Assert.Contains("SPV_KHR_cooperative_matrix", extensions);
        Assert.DoesNotContain("SPV_NV_cooperative_matrix", extensions);

        // Three new constants, nothing else added or lost; the bound covers every id.
        Assert.Equal(nv.Instructions.Count + 3, khr.Instructions.Count);
        Assert.Equal(nv.Bound + 3, khr.Bound);
        var constants = khr.Instructions.Where(i => i.Opcode == 43).ToDictionary(i => i.Words[2], i => i.Words[3]);

        // One type per use: A (half), B (half), accumulator (float), each with the Use constant the spec numbers.
        var types = khr.Instructions.Where(i => i.Opcode == 4456).ToDictionary(i => i.Words[1]);
        Assert.Equal(3, types.Count);
        Assert.Equal([0u, 1u, 2u], types.Values.Select(t => constants[t.Words[6]]).Order().ToArray());
        var mulAdds = khr.Instructions.Where(i => i.Opcode == 4459).ToList();
        Assert.NotEmpty(mulAdds);
        foreach (var m in mulAdds)
        {
            Assert.Equal(7, m.Words.Length);   // result type, result, A, B, C, operands (0: float components)
            Assert.Equal(0u, m.Words[6]);
            Assert.Equal(2u, constants[types[m.Words[1]].Words[6]]);
        }
        foreach (var load in khr.Instructions.Where(i => i.Opcode == 4457))
            Assert.Contains(constants[load.Words[4]], new[] { 0u, 1u });   // layout is a RowMajor/ColumnMajor constant
        // The A tile is loaded row-major from shared memory and the B tile (Wᵀ) column-major.
        var layouts = khr.Instructions.Where(i => i.Opcode == 4457).Select(i => (Use: constants[types[i.Words[1]].Words[6]], Layout: constants[i.Words[4]])).Distinct().ToList();
        Assert.Contains((0u, 0u), layouts);
        Assert.Contains((1u, 1u), layouts);
        foreach (var store in khr.Instructions.Where(i => i.Opcode == 4458))
            Assert.Equal(0u, constants[store.Words[3]]);

        // Result ids unique and below the bound; every instruction outside the cooperative-matrix ones kept word for word.
        var results = khr.Instructions.Where(i => i.Words.Length > 2 && (i.Opcode == 43 || i.Opcode == 4457 || i.Opcode == 4459)).Select(i => i.Words[2]).ToList();
        Assert.Equal(results.Count, results.Distinct().Count());
        Assert.All(results, id => Assert.True(id < khr.Bound));
        var unchangedNv = nv.Instructions.Where(i => i.Opcode is not (>= 5358 and <= 5362) && !(i.Opcode == 17 && i.Words[1] == 5357) && i.Opcode != 10).ToList();
        var unchangedKhr = khr.Instructions.Where(i => i.Opcode is not (>= 4456 and <= 4460) && !(i.Opcode == 17 && i.Words[1] == 6022) && i.Opcode != 10 &&
            !(i.Opcode == 43 && i.Words[2] >= nv.Bound)).ToList();
        Assert.Equal(unchangedNv.Select(i => i.Words), unchangedKhr.Select(i => i.Words));
    }

    [Fact]
    public void Rewriting_twice_changes_nothing_more()
    {
        var once = CooperativeMatrixRewrite.ToKhr(NvKernel());
        Assert.Equal(once, CooperativeMatrixRewrite.ToKhr(once));
    }

    /// <summary>A damaged module (one byte changed, the end cut) is rewritten or refused with SpirvFormatException: never another exception.</summary>
    [Property(MaxTest = 300)]
    public Property Damaged_modules_fail_only_with_SpirvFormatException()
    {
        var good = NvKernel();
        var gen = Gen.Zip(Gen.Zip(Gen.Choose(0, good.Length - 1), Gen.Choose(0, 255)), Gen.Choose(0, good.Length / 4));
        return Prop.ForAll(gen.ToArbitrary(), t =>
        {
            var ((at, value), cut) = t;
            var bytes = (byte[])good.Clone();
            bytes[at] = (byte)value;
            bytes = bytes[..(4 * Math.Max(5, good.Length / 4 - cut))];
            try
            {
                CooperativeMatrixRewrite.ToKhr(bytes);
                return true;
            }
            catch (SpirvFormatException)
            {
                return true;
            }
        });
    }
}
