using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace Electra.Cpu.Kernels.Int8.Vnni;

/// <summary>
/// Generates the AVX-512 VNNI strip functions with Iced's assembler. .NET 10 has no intrinsic for the EVEX
/// <c>vpdpbusd</c> (only <c>AvxVnni</c>, the VEX form, which AVX-512 VNNI CPUs such as Zen 4 lack), so the only way
/// to reach it from C# is to write its machine code at run time, as oneDNN does with Xbyak.
/// <para>
/// A function for R rows (1 to <see cref="MaxRows"/>) runs blocks of R rows × 32 columns down a strip
/// (<see cref="VnniStripArgs.Rows"/> / R blocks): 2R zmm int32 accumulators (zmm0–zmm15 at R = 8), per quad two weight
/// vectors and one broadcast of each row's 4 activation bytes, then the rescale of <see cref="Int8Kernel512{TDot}"/>
/// in the same order of float operations (so the results are bit-identical to the managed unsigned path) and masked
/// stores for a partial panel. SysV: the one argument in rdi; only caller-saved registers (rax, rcx, rdx, rsi, rdi,
/// r8–r11, zmm, k1–k2), no stack, so there is no prologue to get wrong.
/// </para>
/// </summary>
internal static class VnniKernelEmitter
{
    /// <summary>Rows of the register tile: 16 accumulators, the rest of the 32 zmm registers for weights and broadcasts.</summary>
    public const int MaxRows = 8;

    /// <summary>Quads per iteration of the unrolled depth loop (a one-quad loop takes the rest).</summary>
    const int Unroll = 4;

    static readonly AssemblerRegisterZMM[] Zmm =
    [
        zmm0, zmm1, zmm2, zmm3, zmm4, zmm5, zmm6, zmm7, zmm8, zmm9, zmm10, zmm11, zmm12, zmm13, zmm14, zmm15,
        zmm16, zmm17, zmm18, zmm19, zmm20, zmm21, zmm22, zmm23, zmm24, zmm25, zmm26, zmm27, zmm28, zmm29, zmm30, zmm31,
    ];

    /// <summary>The machine code of the strip function for <paramref name="rows"/> rows, position-independent.</summary>
    public static byte[] Emit(int rows) => Emit(rows, prefetchOutput: true, uniformRows: false);

    /// <summary>
    /// <see cref="Emit(int)"/>, optionally without prefetching each block's output rows for writing (the vnni-prefetch
    /// benchmark times both), and with <paramref name="uniformRows"/> for activations quantized per tensor, whose rows
    /// all share one offset and one scale (<see cref="Int8Epilogue.UniformRows"/>). Their products with the 32 column
    /// sums and column scales are then formed once per strip (zmm28–zmm31) instead of once per row: each block's
    /// accumulators start at RowOffset · ColSum rather than 0 (int32 sums are exact, so adding it first gives the same
    /// int32), and the rescale is a convert and one multiply by RowScale · ColScale. Per output that is 2 vector
    /// operations instead of 5 (one of them a <c>vpmulld</c>), with the same bits. At a depth of 256, where the rescale
    /// is a tenth of a block's work, the int8 up projection 1024 × 1024 × 256 on one thread takes 1.60 ms instead of
    /// 1.65–1.67, and the int8 32 × 128 forward on one thread is 0.8–1.2% faster (alternating processes).
    /// </summary>
    internal static byte[] Emit(int rows, bool prefetchOutput, bool uniformRows)
    {
        if (rows is < 1 or > MaxRows) throw new ArgumentOutOfRangeException(nameof(rows));
        var a = new Assembler(64);
        // rdi: args. r10: first row of the current block. rdx: lda, rcx: 3·lda, rsi/rax: rows 0 and 4 of the block
        // (advanced one quad at a time), r8: weights, r9: quads left, r11: scratch and C's row.
        a.xor(r10d, r10d);
        a.mov(rdx, __qword_ptr[rdi + VnniStripArgs.OffsetLda]);
        a.lea(rcx, __[rdx + rdx * 2]);
        a.kmovw(k1, __word_ptr[rdi + VnniStripArgs.OffsetMask0]);
        a.kmovw(k2, __word_ptr[rdi + VnniStripArgs.OffsetMask1]);
        if (uniformRows)
        {
            // zmm28/29: RowOffset · ColSum of columns 0–15 and 16–31; zmm30/31: RowScale · ColScale, as the per-row
            // rescale below forms them (the same operands, so the same floats).
            a.mov(r8, __qword_ptr[rdi + VnniStripArgs.OffsetRowOffset]);
            a.vpbroadcastd(zmm28, __dword_ptr[r8]);
            a.mov(r8, __qword_ptr[rdi + VnniStripArgs.OffsetColSum]);
            a.vpmulld(zmm29, zmm28, __zmmword_ptr[r8 + 64]);
            a.vpmulld(zmm28, zmm28, __zmmword_ptr[r8]);
            a.mov(r8, __qword_ptr[rdi + VnniStripArgs.OffsetRowScale]);
            a.vbroadcastss(zmm30, __dword_ptr[r8]);
            a.mov(r8, __qword_ptr[rdi + VnniStripArgs.OffsetColScale]);
            a.vmulps(zmm31, zmm30, __zmmword_ptr[r8 + 64]);
            a.vmulps(zmm30, zmm30, __zmmword_ptr[r8]);
        }

        var block = a.CreateLabel();
        var unrolled = a.CreateLabel();
        var single = a.CreateLabel();
        var rescale = a.CreateLabel();
        a.Label(ref block);
        a.mov(rsi, r10);
        a.imul(rsi, rdx);
        a.add(rsi, __qword_ptr[rdi + VnniStripArgs.OffsetA]);
        a.lea(rax, __[rsi + rdx * 4]);
        a.mov(r8, __qword_ptr[rdi + VnniStripArgs.OffsetB]);
        a.mov(r9, __qword_ptr[rdi + VnniStripArgs.OffsetQuads]);
        for (int i = 0; i < 2 * rows; i++)
        {
            if (uniformRows) a.vmovdqa32(Zmm[i], i % 2 == 0 ? zmm28 : zmm29);
            else a.vpxord(Zmm[i], Zmm[i], Zmm[i]);
        }
        // The block's output rows are seldom in cache (the up projection's output is 16 MiB at 32 × 128, and a strip's
        // rows are a row stride apart): stores that miss wait for their lines at the end of the block. prefetchw asks for
        // the 2 lines of each row, for writing, now, and the depth loop (1000 cycles and more) hides the wait.
        if (prefetchOutput)
        {
            a.mov(r11, r10);
            a.imul(r11, __qword_ptr[rdi + VnniStripArgs.OffsetLdc]);
            a.add(r11, __qword_ptr[rdi + VnniStripArgs.OffsetC]);
            for (int i = 0; i < rows; i++)
            {
                a.prefetchw(__byte_ptr[r11]);
                a.prefetchw(__byte_ptr[r11 + 64]);
                if (i + 1 < rows) a.add(r11, __qword_ptr[rdi + VnniStripArgs.OffsetLdc]);
            }
        }

        // Depth loop, Unroll quads at a time: weights of quad u in zmm16 + 2(u % 2) and the next register, broadcasts
        // rotate through zmm20–zmm27 so that consecutive rows never wait on one register.
        a.cmp(r9, Unroll);
        a.jb(single);
        a.Label(ref unrolled);
        for (int u = 0; u < Unroll; u++) EmitQuad(a, rows, u);
        a.add(rsi, 4 * Unroll);
        a.add(rax, 4 * Unroll);
        a.add(r8, 128 * Unroll);
        a.sub(r9, Unroll);
        a.cmp(r9, Unroll);
        a.jae(unrolled);
        a.Label(ref single);
        a.test(r9, r9);
        a.jz(rescale);
        var singleLoop = a.CreateLabel();
        a.Label(ref singleLoop);
        EmitQuad(a, rows, 0);
        a.add(rsi, 4);
        a.add(rax, 4);
        a.add(r8, 128);
        a.dec(r9);
        a.jnz(singleLoop);

        // y = float(acc + RowOffset[r] · ColSum[c]) · (RowScale[r] · ColScale[c]) + Bias[c], Int8Kernel512's order of
        // operations; with uniform rows the offset product is already in acc and the scale product in zmm30/31.
        a.Label(ref rescale);
        a.mov(r9, __qword_ptr[rdi + VnniStripArgs.OffsetBias]);
        a.mov(r11, r10);
        a.imul(r11, __qword_ptr[rdi + VnniStripArgs.OffsetLdc]);
        a.add(r11, __qword_ptr[rdi + VnniStripArgs.OffsetC]);
        if (!uniformRows)
        {
            a.mov(r8, __qword_ptr[rdi + VnniStripArgs.OffsetColSum]);
            a.vmovdqu32(zmm16, __zmmword_ptr[r8]);
            a.vmovdqu32(zmm17, __zmmword_ptr[r8 + 64]);
            a.mov(r8, __qword_ptr[rdi + VnniStripArgs.OffsetColScale]);
            a.vmovups(zmm18, __zmmword_ptr[r8]);
            a.vmovups(zmm19, __zmmword_ptr[r8 + 64]);
            a.mov(rsi, __qword_ptr[rdi + VnniStripArgs.OffsetRowOffset]);
            a.mov(rax, __qword_ptr[rdi + VnniStripArgs.OffsetRowScale]);
        }
        for (int i = 0; i < rows; i++)
        {
            if (!uniformRows)
            {
                a.vpbroadcastd(zmm20, __dword_ptr[rsi + r10 * 4 + 4 * i]);
                a.vbroadcastss(zmm21, __dword_ptr[rax + r10 * 4 + 4 * i]);
            }
            for (int j = 0; j < 2; j++)
            {
                var acc = Zmm[2 * i + j];
                if (!uniformRows)
                {
                    a.vpmulld(zmm22, zmm20, Zmm[16 + j]);
                    a.vpaddd(acc, acc, zmm22);
                }
                a.vcvtdq2ps(acc, acc);
                if (uniformRows)
                {
                    a.vmulps(acc, acc, j == 0 ? zmm30 : zmm31);
                }
                else
                {
                    a.vmulps(zmm23, zmm21, Zmm[18 + j]);
                    a.vmulps(acc, acc, zmm23);
                }
                // + bias, the addition the separate bias pass made (−0 where there is none), before the only store.
                a.vaddps(acc, acc, __zmmword_ptr[r9 + 64 * j]);
                a.vmovups(j == 0 ? __zmmword_ptr[r11].k1 : __zmmword_ptr[r11 + 64].k2, acc);
            }
            a.add(r11, __qword_ptr[rdi + VnniStripArgs.OffsetLdc]);
        }
        a.add(r10, rows);
        a.cmp(r10, __qword_ptr[rdi + VnniStripArgs.OffsetRows]);
        a.jb(block);
        a.vzeroupper();
        a.ret();

        var writer = new ByteWriter();
        a.Assemble(writer, 0);
        return writer.ToArray();
    }

    /// <summary>Quad u of the unrolled loop (byte offset 4u of every row, weights at 128u) for every row of the block.</summary>
    static void EmitQuad(Assembler a, int rows, int u)
    {
        var w0 = Zmm[16 + 2 * (u % 2)];
        var w1 = Zmm[17 + 2 * (u % 2)];
        a.vmovdqu32(w0, __zmmword_ptr[r8 + 128 * u]);
        a.vmovdqu32(w1, __zmmword_ptr[r8 + 128 * u + 64]);
        for (int i = 0; i < rows; i++)
        {
            var x = Zmm[20 + i];
            a.vpbroadcastd(x, RowQuad(i, 4 * u));
            // vpdpbusd: unsigned bytes of the activation times signed bytes of the weight, 4 products per int32 lane,
            // summed without saturation.
            a.vpdpbusd(Zmm[2 * i], x, w0);
            a.vpdpbusd(Zmm[2 * i + 1], x, w1);
        }
    }

    /// <summary>Row i's 4 bytes at <paramref name="offset"/>: rows 0–3 from rsi, 4–7 from rax, by 0, 1, 2 or 3 lda.</summary>
    static AssemblerMemoryOperand RowQuad(int i, int offset)
    {
        var basePointer = i < 4 ? rsi : rax;
        return (i % 4) switch
        {
            0 => __dword_ptr[basePointer + offset],
            1 => __dword_ptr[basePointer + rdx + offset],
            2 => __dword_ptr[basePointer + rdx * 2 + offset],
            _ => __dword_ptr[basePointer + rcx + offset],
        };
    }

    /// <summary>Collects the assembled bytes.</summary>
    sealed class ByteWriter : CodeWriter
    {
        readonly List<byte> _bytes = [];
        public override void WriteByte(byte value) => _bytes.Add(value);
        public byte[] ToArray() => _bytes.ToArray();
    }
}
