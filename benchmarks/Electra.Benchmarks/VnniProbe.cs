using System.Diagnostics;
using System.Runtime.CompilerServices;
using Electra.Cpu.Kernels.Int8;
using Electra.Cpu.Kernels.Int8.Vnni;

namespace Electra.Benchmarks;

/// <summary>
/// The generated AVX-512 VNNI strip on one L1-resident 32-column panel, one thread, with blocks of 8, 6, 4 and 2 rows
/// (the register tile's height), beside the managed AVX-512 kernel on the same panel: billions of int8 products per
/// second, best round of each; rounds alternate the contenders.
/// </summary>
public static unsafe class VnniProbe
{
    public static void Run(int rounds, int k)
    {
        if (VnniKernel.Instance is not { } kernel) { Console.WriteLine($"vnni-probe: {VnniKernel.Status}"); return; }
        const int rows = 48, nr = 32; // a multiple of every block height below
        int quads = Math.Clamp(k, 4, 4096) / 4;
        var rng = new Random(1);
        var w = new float[nr * 4 * quads];
        for (int i = 0; i < w.Length; i++) w[i] = (float)rng.NextDouble() - 0.5f;
        var vnniWeight = Int8PackedWeight.Pack(w, nr, 4 * quads, isa: Int8Isa.Avx512Vnni);
        var managedWeight = Int8PackedWeight.Pack(w, nr, 4 * quads, isa: Int8Isa.Avx512);
        nint lda = 4 * quads + 64;
        var codes = GC.AllocateArray<byte>((int)(rows * lda), pinned: true);
        rng.NextBytes(codes);
        var c = GC.AllocateArray<float>(rows * nr, pinned: true);
        var offsets = GC.AllocateArray<int>(rows, pinned: true);
        var scales = GC.AllocateArray<float>(rows, pinned: true);
        var e = new Int8Epilogue
        {
            RowOffset = (int*)Unsafe.AsPointer(ref offsets[0]), RowScale = (float*)Unsafe.AsPointer(ref scales[0]),
            ColSum = vnniWeight.ColumnSums, ColScale = vnniWeight.ColumnScales,
        };
        byte* a = (byte*)Unsafe.AsPointer(ref codes[0]);
        float* y = (float*)Unsafe.AsPointer(ref c[0]);
        var args = Int8KernelVnni.Arguments(a, lda, rows, vnniWeight.Panels, quads, y, nr, nr, e);
        sbyte* mb = managedWeight.Panels;
        var contenders = new (string Name, Action Strip)[]
        {
            ("generated, 8-row blocks", () => kernel.RunStrip(args, 8)),
            ("generated, 6-row blocks", () => kernel.RunStrip(args, 6)),
            ("generated, 4-row blocks", () => kernel.RunStrip(args, 4)),
            ("generated, 2-row blocks", () => kernel.RunStrip(args, 2)),
            ("managed Avx512 (4 rows, vpmaddubsw + vpmaddwd)", () =>
            {
                for (int r = 0; r < rows; r += 4)
                {
                    var block = e with { RowOffset = e.RowOffset + r, RowScale = e.RowScale + r };
                    Int8Kernel512<Avx512Dot>.Run(a + r * lda, lda, 4, mb, quads, null, y + r * nr, nr, nr, block);
                }
            }),
        };
        long products = (long)rows * nr * 4 * quads;
        int calls = (int)Math.Max(1, 2_000_000_000L / products);
        var best = new double[contenders.Length];
        for (int round = 0; round < rounds; round++)
            for (int i = 0; i < contenders.Length; i++)
            {
                contenders[i].Strip();
                var clock = Stopwatch.StartNew();
                for (int n = 0; n < calls; n++) contenders[i].Strip();
                best[i] = Math.Max(best[i], products * (double)calls / clock.Elapsed.TotalSeconds / 1e9);
            }
        Console.WriteLine($"one thread, {rows} rows × {nr} columns × K {4 * quads}, panel in L1, {rounds} rounds, best of each");
        Console.WriteLine("| kernel | int8 products per ns |");
        Console.WriteLine("|---|---|");
        for (int i = 0; i < contenders.Length; i++) Console.WriteLine($"| {contenders[i].Name} | {best[i]:F1} |");
        // The contenders reach these arrays through pointers only: a collection during the rounds would free them.
        GC.KeepAlive(codes); GC.KeepAlive(c); GC.KeepAlive(offsets); GC.KeepAlive(scales);
        GC.KeepAlive(vnniWeight); GC.KeepAlive(managedWeight);
    }
}
