using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Electra.Cpu.Kernels;
using Electra.Cpu.Kernels.Int8;

namespace Electra.Benchmarks;

/// <summary>
/// What the vector units of this CPU allow an exact int8 GEMM, one thread, CPU time only (robust to other processes):
/// (1) register-only instruction streams, 12 independent chains each, in instructions per cycle, where a cycle is
/// calibrated by an FMA stream in the same run (2 FMAs per cycle on every AVX2 core this project targets);
/// (2) the int8 microkernels and the float one on one L1-resident panel, in products per cycle (the float kernel's
/// ceiling is 16: two 8-lane FMAs). Rounds alternate the contenders; the best round of each is kept.
/// </summary>
public static unsafe class Int8Probe
{
    public static void Run(int rounds, int k = 256)
    {
        if (!Avx2.IsSupported || !Fma.IsSupported) { Console.WriteLine("int8-probe needs AVX2 and FMA"); return; }
        var streams = new (string Name, Func<long, int> Body)[]
        {
            ("vfmadd231ps (calibration: 2 per cycle)", Fmas),
            ("vpmaddubsw", Maddubsw),
            ("vpmaddwd", Maddwd),
            ("vpmaddubsw + vpmaddwd, 1:1", MaddubswMaddwd),
            ("vpsignb", Signb),
            ("vpabsb", Absb),
            ("vpaddd", Addd),
            ("vpmaddubsw + vpsignb, 1:1", MaddubswSignb),
            ("vpmaddubsw + vpaddw, 1:1", MaddubswAddw),
            ("vpmaddubsw + vpsignb + vpaddd, 1:1:1", MaddubswSignbAddd),
            ("vpmaddubsw + vpaddd, 1:3", MaddubswAddd3),
            ("vpmaddubsw + vpsignb + vpaddd, 1:1:2", MaddubswSignbAddd2),
            ("vpbroadcastd (from L1) + vpaddd, 1:3", BroadcastAddd3),
        };
        const long n = 20_000_000; // × 12 instructions per stream
        var best = new double[streams.Length];
        for (int round = 0; round < rounds; round++)
            for (int s = 0; s < streams.Length; s++)
                best[s] = Math.Max(best[s], 12.0 * n / CpuSeconds(() => streams[s].Body(n)));
        double hz = best[0] / 2;
        Console.WriteLine($"one thread, {rounds} rounds, best of each; a cycle = 1 / {hz / 1e9:F2} GHz (FMA calibration)");
        Console.WriteLine("| register-only stream | instructions per cycle |");
        Console.WriteLine("|---|---|");
        for (int s = 0; s < streams.Length; s++) Console.WriteLine($"| {streams[s].Name} | {best[s] / hz:F2} |");

        // Microkernels on one panel in L1 (16 columns × K, K a multiple of 16), their own rows.
        k = Math.Clamp(k / 16 * 16, 16, 1024);
        int calls = (int)(256_000_000L / k);
        var rng = new Random(1);
        var w = new float[16 * k];
        // Normal(0, 0.02), as int8-gemm: uniform weights would make the paired kernels split most pairs.
        for (int i = 0; i < w.Length; i++)
            w[i] = 0.02f * MathF.Sqrt(-2 * MathF.Log(1 - (float)rng.NextDouble())) * MathF.Cos(2 * MathF.PI * (float)rng.NextDouble());
        w[0] = 0.1f; // the 5σ maximum of a full-size tensor sets the per-tensor scale, as in int8-gemm's 4096-row shapes
        var q = Int8PackedWeight.Pack(w, 16, k, isa: Int8Isa.Avx2);
        var f = PackedWeight.Pack(w, 16, k, isa: GemmIsa.Avx2);
        var codes = GC.AllocateArray<byte>(8 * 1024 + 64, pinned: true);
        rng.NextBytes(codes);
        var xf = GC.AllocateArray<float>(8 * k, pinned: true);
        for (int i = 0; i < xf.Length; i++) xf[i] = (float)rng.NextDouble();
        var cbuf = GC.AllocateArray<float>(8 * 16, pinned: true);
        var rowOffsets = GC.AllocateArray<int>(8, pinned: true);
        var rowScales = GC.AllocateArray<float>(8, pinned: true);
        var colSums = GC.AllocateArray<int>(16, pinned: true);
        var colScales = GC.AllocateArray<float>(16, pinned: true);
        var e = new Int8Epilogue
        {
            RowOffset = (int*)Unsafe.AsPointer(ref rowOffsets[0]), RowScale = (float*)Unsafe.AsPointer(ref rowScales[0]),
            ColSum = (int*)Unsafe.AsPointer(ref colSums[0]), ColScale = (float*)Unsafe.AsPointer(ref colScales[0]),
        };
        byte* a = (byte*)Unsafe.AsPointer(ref codes[0]);
        float* c = (float*)Unsafe.AsPointer(ref cbuf[0]);
        float* x = (float*)Unsafe.AsPointer(ref xf[0]);
        sbyte* b = q.Panels;
        byte* split = q.PanelSplitPairs(0);
        float* fb = f.Panels;
        nint lda = 1024 + 64;
        var kernels = new (string Name, int Rows, Action Body)[]
        {
            ("float 6 × 16 (vfmadd231ps)", 6, () => { for (int i = 0; i < calls; i++) Avx2Kernel.Run(x, k, 6, fb, k, c, 16, 16, false); }),
            ("int8 4 × 16, sign split, paired quads (round four)", 4, () => { for (int i = 0; i < calls; i++) Int8Kernel256<Avx2Dot>.Run(a, lda, 4, b, k / 4, split, c, 16, 16, e); }),
            ("int8 3 × 16, sign split, paired quads, |a| once (round five)", 3, () => { for (int i = 0; i < calls; i++) Int8Kernel3x16RoundFive.Run(a, lda, 3, b, k / 4, q.SplitPairs, c, 16, 16, e); }),
            ("int8 3 × 16, sign split, paired quads, |a| read from the codes (now)", 3, () => { for (int i = 0; i < calls; i++) Int8Kernel3x16<Avx2Dot>.Run(a, lda, 3, b, k / 4, split, c, 16, 16, e); }),
            ("int8 3 × 16 without vpsignb (wrong sums: timing only)", 3, () => { for (int i = 0; i < calls; i++) Int8Kernel3x16<UnsignedTimingDot>.Run(a, lda, 3, b, k / 4, split, c, 16, 16, e); }),
            ("int8 3 × 16, unsigned codes, each quad its own vpmaddwd (exact where each pair has |w1| + |w2| ≤ 128: timing only)", 3, () => { for (int i = 0; i < calls; i++) Int8Kernel3x16<UnsignedUnpairedTimingDot>.Run(a, lda, 3, b, k / 4, split, c, 16, 16, e); }),
            ("int8 3 × 16, sign split, 4 quads per vpmaddwd, none split (upper bound: timing only)", 3, () => { for (int i = 0; i < calls; i++) QuadQuads3x16(a, lda, b, k / 4, c); }),
        };
        var bestKernel = new double[kernels.Length];
        for (int round = 0; round < rounds; round++)
            for (int i = 0; i < kernels.Length; i++)
                bestKernel[i] = Math.Max(bestKernel[i], (double)calls * kernels[i].Rows * 16 * k / CpuSeconds(() => { kernels[i].Body(); return 0; }));
        Console.WriteLine();
        Console.WriteLine($"| microkernel, one L1-resident panel (K = {k}, {100 * q.SplitPairFraction:F0}% of pairs split) | products per cycle | G products per CPU-second | vs float |");
        Console.WriteLine("|---|---|---|---|");
        for (int i = 0; i < kernels.Length; i++)
            Console.WriteLine($"| {kernels[i].Name} | {bestKernel[i] / hz:F2} | {bestKernel[i] / 1e9:F1} | {bestKernel[i] / bestKernel[0]:F2}× |");
        GC.KeepAlive(q); GC.KeepAlive(f);
        // The kernels reach these arrays through pointers only: a collection during the rounds would free them.
        GC.KeepAlive(codes); GC.KeepAlive(xf); GC.KeepAlive(cbuf);
        GC.KeepAlive(rowOffsets); GC.KeepAlive(rowScales); GC.KeepAlive(colSums); GC.KeepAlive(colScales);
    }

    static int s_sink;

    /// <summary>
    /// The exact scheme with fewer issue slots than paired quads: four quads' int16 sums added with vpaddw before one
    /// vpmaddwd (exact only where every int16 lane's 8 weights have Σ|w| ≤ 255; here nothing is split, so this is the
    /// scheme's best case): per 512 products 16 vpmaddubsw + 4 vpmaddwd = 20 multiplies (paired quads: 24).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static void QuadQuads3x16(byte* a, nint lda, sbyte* b, int quads, float* c)
    {
        byte* a0 = a, a1 = a + lda, a2 = a + 2 * lda;
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        for (int q = 0; q + 4 <= quads; q += 4, b += 256)
        {
            int o = 4 * q;
            Row(ref c00, ref c01, a0 + o, b);
            Row(ref c10, ref c11, a1 + o, b);
            Row(ref c20, ref c21, a2 + o, b);
        }
        Vector256.Store(Vector256.ConvertToSingle(c00 + c10 + c20), c);
        Vector256.Store(Vector256.ConvertToSingle(c01 + c11 + c21), c + 8);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        static void Row(ref Vector256<int> c0, ref Vector256<int> c1, byte* a, sbyte* b)
        {
            var ones = Vector256.Create((short)1);
            var x0 = Vector256.Create(*(int*)a).AsSByte();
            var x1 = Vector256.Create(*(int*)(a + 4)).AsSByte();
            var m0 = Avx2.Abs(x0);
            var m1 = Avx2.Abs(x1);
            var s0 = Avx2.Add(Avx2.MultiplyAddAdjacent(m0, Avx2.Sign(Vector256.LoadAligned(b), x0)),
                Avx2.MultiplyAddAdjacent(m1, Avx2.Sign(Vector256.LoadAligned(b + 64), x1)));
            var s1 = Avx2.Add(Avx2.MultiplyAddAdjacent(m0, Avx2.Sign(Vector256.LoadAligned(b + 32), x0)),
                Avx2.MultiplyAddAdjacent(m1, Avx2.Sign(Vector256.LoadAligned(b + 96), x1)));
            var x2 = Vector256.Create(*(int*)(a + 8)).AsSByte();
            var x3 = Vector256.Create(*(int*)(a + 12)).AsSByte();
            var m2 = Avx2.Abs(x2);
            var m3 = Avx2.Abs(x3);
            s0 = Avx2.Add(s0, Avx2.Add(Avx2.MultiplyAddAdjacent(m2, Avx2.Sign(Vector256.LoadAligned(b + 128), x2)),
                Avx2.MultiplyAddAdjacent(m3, Avx2.Sign(Vector256.LoadAligned(b + 192), x3))));
            s1 = Avx2.Add(s1, Avx2.Add(Avx2.MultiplyAddAdjacent(m2, Avx2.Sign(Vector256.LoadAligned(b + 160), x2)),
                Avx2.MultiplyAddAdjacent(m3, Avx2.Sign(Vector256.LoadAligned(b + 224), x3))));
            c0 = Avx2.Add(c0, Avx2.MultiplyAddAdjacent(s0, ones));
            c1 = Avx2.Add(c1, Avx2.MultiplyAddAdjacent(s1, ones));
        }
    }

    static double CpuSeconds(Func<int> body)
    {
        using var process = Process.GetCurrentProcess();
        var t0 = process.TotalProcessorTime;
        s_sink += body();
        process.Refresh();
        return (process.TotalProcessorTime - t0).TotalSeconds;
    }

    /// <summary>The AVX2 step without the sign split (vpmaddubsw on the raw bytes): wrong sums, only its time matters.</summary>
    readonly struct UnsignedTimingDot : IMagnitudeDot256
    {
        public static bool SignedActivations => true;
        public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> a, Vector256<sbyte> w) => Dot(acc, a, a.AsByte(), w);
        public static Vector256<int> Dot2(Vector256<int> acc, Vector256<sbyte> a0, Vector256<sbyte> w0, Vector256<sbyte> a1, Vector256<sbyte> w1) =>
            Dot2(acc, a0, a0.AsByte(), w0, a1, a1.AsByte(), w1);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> a, Vector256<byte> m, Vector256<sbyte> w) =>
            Avx2.Add(acc, Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(m, w), Vector256.Create((short)1)));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<int> Dot2(Vector256<int> acc, Vector256<sbyte> a0, Vector256<byte> m0, Vector256<sbyte> w0,
            Vector256<sbyte> a1, Vector256<byte> m1, Vector256<sbyte> w1) =>
            Avx2.Add(acc, Avx2.MultiplyAddAdjacent(
                Avx2.Add(Avx2.MultiplyAddAdjacent(m0, w0), Avx2.MultiplyAddAdjacent(m1, w1)), Vector256.Create((short)1)));
    }

    /// <summary>The unsigned codes without pairing quads: each quad its own vpmaddwd (Dot2 is two Dots).</summary>
    readonly struct UnsignedUnpairedTimingDot : IMagnitudeDot256
    {
        public static bool SignedActivations => true;
        public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> a, Vector256<sbyte> w) => UnsignedTimingDot.Dot(acc, a, w);
        public static Vector256<int> Dot(Vector256<int> acc, Vector256<sbyte> a, Vector256<byte> m, Vector256<sbyte> w) =>
            UnsignedTimingDot.Dot(acc, a, m, w);
        public static Vector256<int> Dot2(Vector256<int> acc, Vector256<sbyte> a0, Vector256<sbyte> w0, Vector256<sbyte> a1, Vector256<sbyte> w1) =>
            Dot(Dot(acc, a0, w0), a1, w1);
        public static Vector256<int> Dot2(Vector256<int> acc, Vector256<sbyte> a0, Vector256<byte> m0, Vector256<sbyte> w0,
            Vector256<sbyte> a1, Vector256<byte> m1, Vector256<sbyte> w1) => Dot(Dot(acc, a0, m0, w0), a1, m1, w1);
    }

    // Each stream: 12 independent chains (more than latency × pipes), one instruction per chain per iteration.

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int Fmas(long n)
    {
        var m = Vector256.Create(0.999999f); var d = Vector256.Create(0.5f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Fma.MultiplyAdd(c0, m, d); c1 = Fma.MultiplyAdd(c1, m, d); c2 = Fma.MultiplyAdd(c2, m, d); c3 = Fma.MultiplyAdd(c3, m, d);
            c4 = Fma.MultiplyAdd(c4, m, d); c5 = Fma.MultiplyAdd(c5, m, d); c6 = Fma.MultiplyAdd(c6, m, d); c7 = Fma.MultiplyAdd(c7, m, d);
            c8 = Fma.MultiplyAdd(c8, m, d); c9 = Fma.MultiplyAdd(c9, m, d); c10 = Fma.MultiplyAdd(c10, m, d); c11 = Fma.MultiplyAdd(c11, m, d);
        }
        return (int)(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int Maddubsw(long n)
    {
        var w = Vector256.Create((sbyte)3);
        Vector256<short> c0 = Vector256.Create((short)1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Avx2.MultiplyAddAdjacent(c0.AsByte(), w); c1 = Avx2.MultiplyAddAdjacent(c1.AsByte(), w);
            c2 = Avx2.MultiplyAddAdjacent(c2.AsByte(), w); c3 = Avx2.MultiplyAddAdjacent(c3.AsByte(), w);
            c4 = Avx2.MultiplyAddAdjacent(c4.AsByte(), w); c5 = Avx2.MultiplyAddAdjacent(c5.AsByte(), w);
            c6 = Avx2.MultiplyAddAdjacent(c6.AsByte(), w); c7 = Avx2.MultiplyAddAdjacent(c7.AsByte(), w);
            c8 = Avx2.MultiplyAddAdjacent(c8.AsByte(), w); c9 = Avx2.MultiplyAddAdjacent(c9.AsByte(), w);
            c10 = Avx2.MultiplyAddAdjacent(c10.AsByte(), w); c11 = Avx2.MultiplyAddAdjacent(c11.AsByte(), w);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int Maddwd(long n)
    {
        var w = Vector256.Create((short)3);
        Vector256<int> c0 = Vector256.Create(1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Avx2.MultiplyAddAdjacent(c0.AsInt16(), w); c1 = Avx2.MultiplyAddAdjacent(c1.AsInt16(), w);
            c2 = Avx2.MultiplyAddAdjacent(c2.AsInt16(), w); c3 = Avx2.MultiplyAddAdjacent(c3.AsInt16(), w);
            c4 = Avx2.MultiplyAddAdjacent(c4.AsInt16(), w); c5 = Avx2.MultiplyAddAdjacent(c5.AsInt16(), w);
            c6 = Avx2.MultiplyAddAdjacent(c6.AsInt16(), w); c7 = Avx2.MultiplyAddAdjacent(c7.AsInt16(), w);
            c8 = Avx2.MultiplyAddAdjacent(c8.AsInt16(), w); c9 = Avx2.MultiplyAddAdjacent(c9.AsInt16(), w);
            c10 = Avx2.MultiplyAddAdjacent(c10.AsInt16(), w); c11 = Avx2.MultiplyAddAdjacent(c11.AsInt16(), w);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int MaddubswMaddwd(long n)
    {
        var wb = Vector256.Create((sbyte)3);
        var ww = Vector256.Create((short)3);
        Vector256<short> c0 = Vector256.Create((short)1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        Vector256<int> d0 = Vector256.Create(1), d1 = d0, d2 = d0, d3 = d0, d4 = d0, d5 = d0;
        for (long i = 0; i < n; i++)
        {
            c0 = Avx2.MultiplyAddAdjacent(c0.AsByte(), wb); d0 = Avx2.MultiplyAddAdjacent(d0.AsInt16(), ww);
            c1 = Avx2.MultiplyAddAdjacent(c1.AsByte(), wb); d1 = Avx2.MultiplyAddAdjacent(d1.AsInt16(), ww);
            c2 = Avx2.MultiplyAddAdjacent(c2.AsByte(), wb); d2 = Avx2.MultiplyAddAdjacent(d2.AsInt16(), ww);
            c3 = Avx2.MultiplyAddAdjacent(c3.AsByte(), wb); d3 = Avx2.MultiplyAddAdjacent(d3.AsInt16(), ww);
            c4 = Avx2.MultiplyAddAdjacent(c4.AsByte(), wb); d4 = Avx2.MultiplyAddAdjacent(d4.AsInt16(), ww);
            c5 = Avx2.MultiplyAddAdjacent(c5.AsByte(), wb); d5 = Avx2.MultiplyAddAdjacent(d5.AsInt16(), ww);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5).GetElement(0) + (d0 + d1 + d2 + d3 + d4 + d5).GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int Signb(long n)
    {
        var w = Vector256.Create((sbyte)-3);
        Vector256<sbyte> c0 = Vector256.Create((sbyte)1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Avx2.Sign(c0, w); c1 = Avx2.Sign(c1, w); c2 = Avx2.Sign(c2, w); c3 = Avx2.Sign(c3, w);
            c4 = Avx2.Sign(c4, w); c5 = Avx2.Sign(c5, w); c6 = Avx2.Sign(c6, w); c7 = Avx2.Sign(c7, w);
            c8 = Avx2.Sign(c8, w); c9 = Avx2.Sign(c9, w); c10 = Avx2.Sign(c10, w); c11 = Avx2.Sign(c11, w);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int Absb(long n)
    {
        Vector256<sbyte> c0 = Vector256.Create((sbyte)-1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Avx2.Abs(c0).AsSByte(); c1 = Avx2.Abs(c1).AsSByte(); c2 = Avx2.Abs(c2).AsSByte(); c3 = Avx2.Abs(c3).AsSByte();
            c4 = Avx2.Abs(c4).AsSByte(); c5 = Avx2.Abs(c5).AsSByte(); c6 = Avx2.Abs(c6).AsSByte(); c7 = Avx2.Abs(c7).AsSByte();
            c8 = Avx2.Abs(c8).AsSByte(); c9 = Avx2.Abs(c9).AsSByte(); c10 = Avx2.Abs(c10).AsSByte(); c11 = Avx2.Abs(c11).AsSByte();
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int Addd(long n)
    {
        var w = Vector256.Create(3);
        Vector256<int> c0 = Vector256.Create(1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Avx2.Add(c0, w); c1 = Avx2.Add(c1, w); c2 = Avx2.Add(c2, w); c3 = Avx2.Add(c3, w);
            c4 = Avx2.Add(c4, w); c5 = Avx2.Add(c5, w); c6 = Avx2.Add(c6, w); c7 = Avx2.Add(c7, w);
            c8 = Avx2.Add(c8, w); c9 = Avx2.Add(c9, w); c10 = Avx2.Add(c10, w); c11 = Avx2.Add(c11, w);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11).GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int MaddubswSignb(long n)
    {
        var w = Vector256.Create((sbyte)-3);
        Vector256<short> c0 = Vector256.Create((short)1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        Vector256<sbyte> s0 = Vector256.Create((sbyte)1), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0;
        for (long i = 0; i < n; i++)
        {
            c0 = Avx2.MultiplyAddAdjacent(c0.AsByte(), w); s0 = Avx2.Sign(s0, w);
            c1 = Avx2.MultiplyAddAdjacent(c1.AsByte(), w); s1 = Avx2.Sign(s1, w);
            c2 = Avx2.MultiplyAddAdjacent(c2.AsByte(), w); s2 = Avx2.Sign(s2, w);
            c3 = Avx2.MultiplyAddAdjacent(c3.AsByte(), w); s3 = Avx2.Sign(s3, w);
            c4 = Avx2.MultiplyAddAdjacent(c4.AsByte(), w); s4 = Avx2.Sign(s4, w);
            c5 = Avx2.MultiplyAddAdjacent(c5.AsByte(), w); s5 = Avx2.Sign(s5, w);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5).GetElement(0) + (s0 + s1 + s2 + s3 + s4 + s5).GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int MaddubswAddw(long n)
    {
        var w = Vector256.Create((sbyte)-3);
        var v = Vector256.Create((short)5);
        Vector256<short> c0 = Vector256.Create((short)1), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        Vector256<short> s0 = c0, s1 = c0, s2 = c0, s3 = c0, s4 = c0, s5 = c0;
        for (long i = 0; i < n; i++)
        {
            c0 = Avx2.MultiplyAddAdjacent(c0.AsByte(), w); s0 = Avx2.Add(s0, v);
            c1 = Avx2.MultiplyAddAdjacent(c1.AsByte(), w); s1 = Avx2.Add(s1, v);
            c2 = Avx2.MultiplyAddAdjacent(c2.AsByte(), w); s2 = Avx2.Add(s2, v);
            c3 = Avx2.MultiplyAddAdjacent(c3.AsByte(), w); s3 = Avx2.Add(s3, v);
            c4 = Avx2.MultiplyAddAdjacent(c4.AsByte(), w); s4 = Avx2.Add(s4, v);
            c5 = Avx2.MultiplyAddAdjacent(c5.AsByte(), w); s5 = Avx2.Add(s5, v);
        }
        return (c0 + c1 + c2 + c3 + c4 + c5).GetElement(0) + (s0 + s1 + s2 + s3 + s4 + s5).GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int MaddubswSignbAddd(long n)
    {
        var w = Vector256.Create((sbyte)-3);
        var v = Vector256.Create(5);
        Vector256<short> c0 = Vector256.Create((short)1), c1 = c0, c2 = c0, c3 = c0;
        Vector256<sbyte> s0 = Vector256.Create((sbyte)1), s1 = s0, s2 = s0, s3 = s0;
        Vector256<int> d0 = Vector256.Create(1), d1 = d0, d2 = d0, d3 = d0;
        for (long i = 0; i < n; i++)
        {
            c0 = Avx2.MultiplyAddAdjacent(c0.AsByte(), w); s0 = Avx2.Sign(s0, w); d0 = Avx2.Add(d0, v);
            c1 = Avx2.MultiplyAddAdjacent(c1.AsByte(), w); s1 = Avx2.Sign(s1, w); d1 = Avx2.Add(d1, v);
            c2 = Avx2.MultiplyAddAdjacent(c2.AsByte(), w); s2 = Avx2.Sign(s2, w); d2 = Avx2.Add(d2, v);
            c3 = Avx2.MultiplyAddAdjacent(c3.AsByte(), w); s3 = Avx2.Sign(s3, w); d3 = Avx2.Add(d3, v);
        }
        return (c0 + c1 + c2 + c3).GetElement(0) + (s0 + s1 + s2 + s3).GetElement(0) + (d0 + d1 + d2 + d3).GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int MaddubswAddd3(long n)
    {
        var w = Vector256.Create((sbyte)-3);
        var v = Vector256.Create(5);
        Vector256<short> c0 = Vector256.Create((short)1), c1 = c0, c2 = c0;
        Vector256<int> d0 = Vector256.Create(1), d1 = d0, d2 = d0, d3 = d0, d4 = d0, d5 = d0, d6 = d0, d7 = d0, d8 = d0;
        for (long i = 0; i < n; i++)
        {
            c0 = Avx2.MultiplyAddAdjacent(c0.AsByte(), w); d0 = Avx2.Add(d0, v); d1 = Avx2.Add(d1, v); d2 = Avx2.Add(d2, v);
            c1 = Avx2.MultiplyAddAdjacent(c1.AsByte(), w); d3 = Avx2.Add(d3, v); d4 = Avx2.Add(d4, v); d5 = Avx2.Add(d5, v);
            c2 = Avx2.MultiplyAddAdjacent(c2.AsByte(), w); d6 = Avx2.Add(d6, v); d7 = Avx2.Add(d7, v); d8 = Avx2.Add(d8, v);
        }
        return (c0 + c1 + c2).GetElement(0) + (d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8).GetElement(0);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int MaddubswSignbAddd2(long n)
    {
        var w = Vector256.Create((sbyte)-3);
        var v = Vector256.Create(5);
        Vector256<short> c0 = Vector256.Create((short)1), c1 = c0, c2 = c0;
        Vector256<sbyte> s0 = Vector256.Create((sbyte)1), s1 = s0, s2 = s0;
        Vector256<int> d0 = Vector256.Create(1), d1 = d0, d2 = d0, d3 = d0, d4 = d0, d5 = d0;
        for (long i = 0; i < n; i++)
        {
            c0 = Avx2.MultiplyAddAdjacent(c0.AsByte(), w); s0 = Avx2.Sign(s0, w); d0 = Avx2.Add(d0, v); d1 = Avx2.Add(d1, v);
            c1 = Avx2.MultiplyAddAdjacent(c1.AsByte(), w); s1 = Avx2.Sign(s1, w); d2 = Avx2.Add(d2, v); d3 = Avx2.Add(d3, v);
            c2 = Avx2.MultiplyAddAdjacent(c2.AsByte(), w); s2 = Avx2.Sign(s2, w); d4 = Avx2.Add(d4, v); d5 = Avx2.Add(d5, v);
        }
        return (c0 + c1 + c2).GetElement(0) + (s0 + s1 + s2).GetElement(0) + (d0 + d1 + d2 + d3 + d4 + d5).GetElement(0);
    }

    static readonly int[] s_broadcastSource = GC.AllocateArray<int>(16, pinned: true);

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    static int BroadcastAddd3(long n)
    {
        int* p = (int*)Unsafe.AsPointer(ref s_broadcastSource[0]);
        Vector256<int> b0 = default, b1 = default, b2 = default;
        Vector256<int> d0 = Vector256.Create(1), d1 = d0, d2 = d0, d3 = d0, d4 = d0, d5 = d0, d6 = d0, d7 = d0, d8 = d0;
        for (long i = 0; i < n; i++)
        {
            b0 = Vector256.Create(p[0]); d0 = Avx2.Add(d0, b0); d1 = Avx2.Add(d1, d0); d2 = Avx2.Add(d2, d1);
            b1 = Vector256.Create(p[4]); d3 = Avx2.Add(d3, b1); d4 = Avx2.Add(d4, d3); d5 = Avx2.Add(d5, d4);
            b2 = Vector256.Create(p[8]); d6 = Avx2.Add(d6, b2); d7 = Avx2.Add(d7, d6); d8 = Avx2.Add(d8, d7);
        }
        return (b0 + b1 + b2 + d0 + d1 + d2 + d3 + d4 + d5 + d6 + d7 + d8).GetElement(0);
    }
}
