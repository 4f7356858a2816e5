using System.Diagnostics;
using System.Runtime.CompilerServices;
using Electra.Cpu.Kernels.Int8;
using Electra.Cpu.Kernels.Int8.Vnni;

namespace Electra.Benchmarks;

/// <summary>
/// One thread's row tiles of the ELECTRA-small feed-forward GEMMs on the generated VNNI code alone (no quantization,
/// no bias): 64 rows of hot codes × every panel of the up projection (N 1024, K 256) and of the down projection
/// (N 256, K 1024), the same products each, for --rows / 64 tiles into a y of --rows rows. Contenders: the strip of
/// all 64 rows per panel (the GEMM's order), and 8-row blocks outermost (each block's codes stay in L1 while the
/// panels stream from L2). Rounds alternate the contenders; best and median of each. Written to test whether a
/// 32 KiB panel (K = 1024, all of L1) slows the kernel down: it does not (the deep GEMM runs faster than the shallow).
/// </summary>
public static unsafe class VnniTileProbe
{
    public static void Run(int rounds, int rows)
    {
        if (VnniKernel.Instance is not { } kernel) { Console.WriteLine($"vnni-tile-probe: {VnniKernel.Status}"); return; }
        const int tileRows = 64, nr = 32;
        var contenders = new List<(string Name, Action Run, long Products)>();
        var kept = new List<object>();
        foreach (var (n, k) in new[] { (1024, 256), (256, 1024) })
        {
            var rng = new Random(1);
            var w = new float[n * k];
            for (int i = 0; i < w.Length; i++) w[i] = (float)rng.NextDouble() - 0.5f;
            var weight = Int8PackedWeight.Pack(w, n, k, isa: Int8Isa.Avx512Vnni);
            nint lda = (k + 63) / 64 * 64;
            if (lda % 1024 == 0) lda += 64;
            var codes = GC.AllocateArray<byte>((int)(tileRows * lda), pinned: true);
            rng.NextBytes(codes);
            int ldy = n;
            var y = GC.AllocateArray<float>(rows * ldy, pinned: true);
            var offsets = GC.AllocateArray<int>(rows, pinned: true);
            var scales = GC.AllocateArray<float>(rows, pinned: true);
            byte* a = (byte*)Unsafe.AsPointer(ref codes[0]);
            float* py = (float*)Unsafe.AsPointer(ref y[0]);
            int* po = (int*)Unsafe.AsPointer(ref offsets[0]);
            float* ps = (float*)Unsafe.AsPointer(ref scales[0]);
            // The contenders reach these arrays through pointers only: they must outlive the rounds.
            kept.AddRange([codes, y, offsets, scales, weight]);
            int quads = weight.Quads, panels = weight.PanelCount;
            long panelBytes = (long)nr * quads * 4;
            long products = (long)rows * n * k;
            VnniStripArgs Args(int r0, int count, int p) => Int8KernelVnni.Arguments(a + (r0 % tileRows) * lda, lda, count,
                weight.Panels + p * panelBytes, quads, py + (long)r0 * ldy + p * nr, ldy, nr,
                new Int8Epilogue { RowOffset = po + r0, RowScale = ps + r0, ColSum = weight.ColumnSums + p * nr, ColScale = weight.ColumnScales + p * nr });
            contenders.Add(($"{n}x{k} strips of 64 rows", () =>
            {
                for (int t = 0; t < rows; t += tileRows)
                    for (int g = 0; g < panels; g += 8)
                        for (int p = g; p < g + 8; p++) kernel.RunStrip(Args(t, tileRows, p));
            }, products));
            var plain = VnniKernel.Create(prefetchOutput: false);
            var prefetching = VnniKernel.Create(prefetchOutput: true);
            contenders.Add(($"{n}x{k} strips of 64 rows, no prefetch", () =>
            {
                for (int t = 0; t < rows; t += tileRows)
                    for (int g = 0; g < panels; g += 8)
                        for (int p = g; p < g + 8; p++) plain.RunStrip(Args(t, tileRows, p));
            }, products));
            contenders.Add(($"{n}x{k} strips of 64 rows, prefetchw of C", () =>
            {
                for (int t = 0; t < rows; t += tileRows)
                    for (int g = 0; g < panels; g += 8)
                        for (int p = g; p < g + 8; p++) prefetching.RunStrip(Args(t, tileRows, p));
            }, products));
            contenders.Add(($"{n}x{k} 8-row blocks outermost", () =>
            {
                for (int t = 0; t < rows; t += tileRows)
                    for (int g = 0; g < panels; g += 8)
                        for (int r = t; r < t + tileRows; r += 8)
                            for (int p = g; p < g + 8; p++) kernel.RunStrip(Args(r, 8, p));
            }, products));
        }
        var best = new double[contenders.Count];
        var all = contenders.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round < rounds; round++)
            for (int i = 0; i < contenders.Count; i++)
            {
                contenders[i].Run();
                var clock = Stopwatch.StartNew();
                contenders[i].Run();
                double rate = contenders[i].Products / clock.Elapsed.TotalSeconds / 1e9;
                all[i].Add(rate);
                best[i] = Math.Max(best[i], rate);
            }
        Console.WriteLine($"one thread, {rows} rows in 64-row tiles, {rounds} rounds alternating; int8 products per ns");
        Console.WriteLine("| contender | best | median |");
        Console.WriteLine("|---|---|---|");
        for (int i = 0; i < contenders.Count; i++)
        {
            all[i].Sort();
            Console.WriteLine($"| {contenders[i].Name} | {best[i]:F1} | {all[i][all[i].Count / 2]:F1} |");
        }
        GC.KeepAlive(kept);
    }
}
