using Electra.Cpu.Kernels;
using FsCheck;
using FsCheck.Xunit;

namespace Electra.Tests.Cpu;

/// <summary>The tiled attention kernel against a double-precision twin written like transformers' eager attention.</summary>
public class AttentionKernelTests : IDisposable
{
    readonly WorkerPool _pool = new(2);
    public void Dispose() => _pool.Dispose();

    static readonly int[] QueryLengths = [1, 7, 49, 100];
    static readonly int[] HeadDims = [1, 5, 16, 33, 64];
    static readonly GemmIsa[] Isas = [GemmIsa.Portable, GemmIsa.Avx2, GemmIsa.Avx512];

    /// <summary>scores = q·kᵀ/√d + (1 − combined mask)·MinValue, softmax, P·v; all in double.</summary>
    static (double[] Context, double[] Probabilities) Reference(float[] q, float[] k, float[] v, float[] mask,
        int batch, int sq, int sk, int heads, int d, bool causal)
    {
        int hidden = heads * d;
        var context = new double[batch * sq * hidden];
        var probs = new double[batch * heads * sq * sk];
        var scores = new double[sk];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int i = 0; i < sq; i++)
                {
                    double max = double.NegativeInfinity;
                    for (int j = 0; j < sk; j++)
                    {
                        double s = 0;
                        for (int t = 0; t < d; t++)
                            s += (double)q[(b * sq + i) * hidden + h * d + t] * k[(b * sk + j) * hidden + h * d + t];
                        double keep = mask[b * sk + j] * (causal && j > sk - sq + i ? 0 : 1);
                        scores[j] = (float)(s / (float)Math.Sqrt(d)) + (1 - keep) * float.MinValue;
                        max = Math.Max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < sk; j++) sum += scores[j] = Math.Exp(scores[j] - max);
                    for (int j = 0; j < sk; j++)
                    {
                        double p = scores[j] / sum;
                        probs[((b * heads + h) * sq + i) * sk + j] = p;
                        for (int t = 0; t < d; t++) context[(b * sq + i) * hidden + h * d + t] += p * v[(b * sk + j) * hidden + h * d + t];
                    }
                }
        return (context, probs);
    }

    /// <summary>With and without probabilities to return: without them the kernel scales the context rows by 1/Σ
    /// instead of the probability rows, a separate path.</summary>
    [Property(MaxTest = 40)]
    public unsafe void MatchesDoubleTwin(byte sqSel, byte dSel, byte extraKeys, bool causal, byte heads, byte batch,
        int seed, byte isaSel, bool threaded, bool withProbabilities)
    {
        int sq = QueryLengths[sqSel % QueryLengths.Length], d = HeadDims[dSel % HeadDims.Length];
        int sk = sq + extraKeys % 20, nHeads = 1 + heads % 3, nBatch = 1 + batch % 2, hidden = nHeads * d;
        var isa = Isas[isaSel % Isas.Length];
        var rng = new Random(seed);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var q = Rand(nBatch * sq * hidden);
        var k = Rand(nBatch * sk * hidden);
        var v = Rand(nBatch * sk * hidden);
        // Random padding, and for the first row sometimes every key masked (uniform attention, as torch).
        var mask = Enumerable.Range(0, nBatch * sk).Select(i => rng.Next(4) == 0 ? 0f : 1f).ToArray();
        if (rng.Next(3) == 0) Array.Clear(mask, 0, sk);
        RunAgainstDoubleTwin(q, k, v, mask, nBatch, sq, sk, nHeads, d, causal, isa, threaded, withProbabilities);
    }

    /// <summary>
    /// Batch rows without padding take the unmasked softmax (512-bit on AVX-512); here every head dim 1–80 (√d a power
    /// of two or not), key counts that are not multiples of 8 or 16, causal or not (causal rows before the last key
    /// take the masked path), a padded batch row beside an unpadded one, against the double twin.
    /// </summary>
    [Property(MaxTest = 40)]
    public unsafe void UnpaddedRowsMatchDoubleTwin(byte sqSeed, byte dSeed, byte extraKeys, bool causal, byte heads,
        bool secondRowPadded, int seed, byte isaSel, bool threaded, bool withProbabilities)
    {
        int sq = 1 + sqSeed % 130, d = 1 + dSeed % 80;
        int sk = sq + extraKeys % 21, nHeads = 1 + heads % 3, nBatch = 2, hidden = nHeads * d;
        var isa = Isas[isaSel % Isas.Length];
        var rng = new Random(seed);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 6 - 3)).ToArray();
        var (q, k, v) = (Rand(nBatch * sq * hidden), Rand(nBatch * sk * hidden), Rand(nBatch * sk * hidden));
        var mask = Enumerable.Repeat(1f, nBatch * sk).ToArray();
        if (secondRowPadded) mask[sk + rng.Next(sk)] = 0f;
        RunAgainstDoubleTwin(q, k, v, mask, nBatch, sq, sk, nHeads, d, causal, isa, threaded, withProbabilities);
    }

    /// <summary>Runs the kernel on the operands and checks its context (and probabilities) against the double twin.</summary>
    unsafe void RunAgainstDoubleTwin(float[] q, float[] k, float[] v, float[] mask, int nBatch, int sq, int sk, int nHeads,
        int d, bool causal, GemmIsa isa, bool threaded, bool withProbabilities)
    {
        int hidden = nHeads * d;
        var context = new float[nBatch * sq * hidden];
        var probs = new float[nBatch * nHeads * sq * sk];
        var shape = new AttentionKernel.Shape(nBatch, sq, sk, nHeads, d, hidden, hidden, hidden, hidden, causal);
        fixed (float* pq = q) fixed (float* pk = k) fixed (float* pv = v) fixed (float* pm = mask)
        fixed (float* pc = context) fixed (float* pp = probs)
            AttentionKernel.Run(shape, pq, pk, pv, pm, pc, withProbabilities ? pp : null, isa, threaded ? _pool : null);

        var (expectedContext, expectedProbs) = Reference(q, k, v, mask, nBatch, sq, sk, nHeads, d, causal);
        for (int i = 0; i < (withProbabilities ? probs.Length : 0); i++)
            Assert.True(Math.Abs(probs[i] - expectedProbs[i]) <= 2e-6,
                $"{isa} sq {sq} sk {sk} d {d} causal {causal}: probability {i} = {probs[i]}, expected {expectedProbs[i]}");
        for (int i = 0; i < context.Length; i++)
            Assert.True(Math.Abs(context[i] - expectedContext[i]) <= 1e-5 * (1 + Math.Abs(expectedContext[i])),
                $"{isa} sq {sq} sk {sk} d {d} causal {causal}: context {i} = {context[i]}, expected {expectedContext[i]}");
    }

    /// <summary>
    /// A batch whose q, k and v outgrow L2 (where the kernel prefetches its next tiles' rows): bit for bit the context
    /// without prefetching, and the double twin's on a few rows, padded and causal included.
    /// </summary>
    [Theory]
    [InlineData(4, 128, 4, 64, false, false)]
    [InlineData(3, 130, 4, 64, true, false)]
    [InlineData(5, 100, 3, 80, false, true)]
    public unsafe void LargeBatchesMatchWithAndWithoutPrefetch(int batch, int seq, int heads, int d, bool causal, bool padded)
    {
        int hidden = heads * d;
        var rng = new Random(batch * 1000 + seq);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var (q, k, v) = (Rand(batch * seq * hidden), Rand(batch * seq * hidden), Rand(batch * seq * hidden));
        var mask = Enumerable.Range(0, batch * seq).Select(i => padded && i % seq >= seq - 1 - i / seq * 7 ? 0f : 1f).ToArray();
        var shape = new AttentionKernel.Shape(batch, seq, seq, heads, d, hidden, hidden, hidden, hidden, causal);
        float[] Attend(bool prefetch)
        {
            // Prefetching changes no result, so switching it cannot disturb other tests running meanwhile.
            AttentionKernel.PrefetchNextTile = prefetch;
            var context = new float[batch * seq * hidden];
            try
            {
                fixed (float* pq = q) fixed (float* pk = k) fixed (float* pv = v) fixed (float* pm = mask) fixed (float* pc = context)
                    AttentionKernel.Run(shape, pq, pk, pv, pm, pc, null, GemmIsaDetection.Best, _pool);
            }
            finally { AttentionKernel.PrefetchNextTile = true; }
            return context;
        }
        var with = Attend(true);
        var without = Attend(false);
        for (int i = 0; i < with.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(with[i]) == BitConverter.SingleToInt32Bits(without[i]),
                $"context {i}: {with[i]} prefetching, {without[i]} not");
        // The twin on the first and last batch rows only (it is cubic in the sequence).
        foreach (int b in new[] { 0, batch - 1 })
        {
            var (expected, _) = Reference(q.AsSpan(b * seq * hidden, seq * hidden).ToArray(), k.AsSpan(b * seq * hidden, seq * hidden).ToArray(),
                v.AsSpan(b * seq * hidden, seq * hidden).ToArray(), mask.AsSpan(b * seq, seq).ToArray(), 1, seq, seq, heads, d, causal);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(with[b * seq * hidden + i] - expected[i]) <= 1e-5 * (1 + Math.Abs(expected[i])),
                    $"batch row {b} context {i} = {with[b * seq * hidden + i]}, expected {expected[i]}");
        }
    }

    /// <summary>
    /// The unmasked exponentials against the masked ones on the same row (all keys visible): on 256 bits the same
    /// bits (the same operations in the same order; for √d not a power of two the max of x/√d is the divided max), on
    /// 512 bits the same exps and a sum in another order; zero past the row. Lengths 1–300 cross every vector tail;
    /// scores up to ±1000 and ties at the maximum.
    /// </summary>
    [Property(MaxTest = 200)]
    public unsafe void UnmaskedExponentialsMatchTheMaskedOnes(ushort lengthSeed, byte divisorSel, int seed, bool wide, bool large)
    {
        int length = 1 + lengthSeed % 300, padded = (length + 15) & ~15;
        float divisor = new[] { 1f, 8f, (float)Math.Sqrt(5), (float)Math.Sqrt(80), 16f }[divisorSel % 5];
        var rng = new Random(seed);
        double magnitude = large ? 1000 : 4;
        var scores = Enumerable.Range(0, padded).Select(_ => (float)((rng.NextDouble() * 2 - 1) * magnitude)).ToArray();
        if (length > 2) scores[rng.Next(length)] = scores[rng.Next(length)];
        var mask = Enumerable.Repeat(1f, length).ToArray();
        var masked = (float[])scores.Clone();
        var unmasked = (float[])scores.Clone();
        // Garbage past the row must not leak in.
        for (int j = length; j < padded; j++) unmasked[j] = float.NaN;
        float maskedInverse, unmaskedInverse;
        fixed (float* pm = masked) fixed (float* pu = unmasked) fixed (float* mk = mask)
        {
            maskedInverse = AttentionKernel.ExponentiateShifted(pm, mk, length, length, divisor);
            unmaskedInverse = AttentionKernel.ExponentiateUnmasked(pu, length, divisor, wide);
        }
        for (int j = 0; j < length; j++)
            Assert.True(BitConverter.SingleToInt32Bits(masked[j]) == BitConverter.SingleToInt32Bits(unmasked[j]),
                $"length {length} divisor {divisor} wide {wide}: e[{j}] = {unmasked[j]}, masked path {masked[j]}");
        for (int j = length; j < (wide ? padded : (length + 7) & ~7); j++) Assert.Equal(0f, unmasked[j]);
        if (wide) Assert.True(Math.Abs(unmaskedInverse - maskedInverse) <= 4e-7 * maskedInverse,
            $"length {length} divisor {divisor}: 1/Σ = {unmaskedInverse}, masked path {maskedInverse}");
        else Assert.Equal(BitConverter.SingleToInt32Bits(maskedInverse), BitConverter.SingleToInt32Bits(unmaskedInverse));
    }

    /// <summary>A NaN score makes the unmasked row's 1/Σ NaN (so its context row), wherever it lies, on either width.</summary>
    [Theory]
    [InlineData(0, false)]
    [InlineData(7, false)]
    [InlineData(8, true)]
    [InlineData(15, true)]
    [InlineData(16, true)]
    [InlineData(99, true)]
    [InlineData(99, false)]
    public unsafe void ANaNScoreMakesTheUnmaskedRowNaN(int at, bool wide)
    {
        const int length = 100;
        var row = Enumerable.Range(0, 112).Select(i => (float)Math.Sin(i)).ToArray();
        row[at] = float.NaN;
        float inverse;
        fixed (float* pr = row) inverse = AttentionKernel.ExponentiateUnmasked(pr, length, 8f, wide);
        Assert.True(float.IsNaN(inverse), $"NaN at {at}, wide {wide}: 1/Σ = {inverse}");
    }

    /// <summary>
    /// Packed segments in one run give every segment exactly (bitwise) what the kernel gives that segment alone as a
    /// batch of one, on one thread: what makes a ragged batch's rows independent of what they are batched with.
    /// Lengths 0–60 cross the query blocks of 48 and the 8-wide vectors; empty segments are skipped.
    /// </summary>
    [Property(MaxTest = 30)]
    public unsafe void SegmentsInOneRunEqualEachSegmentAlone(byte[] lengthSeeds, byte dSel, byte heads, bool causal, int seed,
        byte isaSel, bool threaded)
    {
        var lengths = (lengthSeeds ?? []).Take(12).Select(b => b % 61).Append(1 + Math.Abs(seed % 20)).ToArray();
        int d = HeadDims[dSel % HeadDims.Length], nHeads = 1 + heads % 3, hidden = nHeads * d;
        var isa = Isas[isaSel % Isas.Length];
        var starts = new int[lengths.Length + 1];
        for (int i = 0; i < lengths.Length; i++) starts[i + 1] = starts[i] + lengths[i];
        int rows = starts[^1];
        var rng = new Random(seed);
        float[] Rand(int n) => Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var (q, k, v) = (Rand(rows * hidden), Rand(rows * hidden), Rand(rows * hidden));
        var mask = Enumerable.Range(0, rows).Select(i => rng.Next(5) == 0 ? 0f : 1f).ToArray();
        var packed = new float[rows * hidden];
        var alone = new float[rows * hidden];
        fixed (float* pq = q) fixed (float* pk = k) fixed (float* pv = v) fixed (float* pm = mask)
        fixed (float* pc = packed) fixed (float* pa = alone)
        {
            AttentionKernel.RunSegments(starts, nHeads, d, hidden, causal, pq, pk, pv, pm, pc, isa, threaded ? _pool : null);
            for (int s = 0; s < lengths.Length; s++)
            {
                if (lengths[s] == 0) continue;
                long offset = (long)starts[s] * hidden;
                var shape = new AttentionKernel.Shape(1, lengths[s], lengths[s], nHeads, d, hidden, hidden, hidden, hidden, causal);
                AttentionKernel.Run(shape, pq + offset, pk + offset, pv + offset, pm + starts[s], pa + offset, null, isa, null);
            }
        }
        for (int i = 0; i < rows * hidden; i++)
            Assert.True(BitConverter.SingleToInt32Bits(packed[i]) == BitConverter.SingleToInt32Bits(alone[i]),
                $"{isa} d {d} heads {nHeads} causal {causal} lengths [{string.Join(", ", lengths)}]: context {i} (row {i / hidden}) " +
                $"is {packed[i]} packed, {alone[i]} alone");
    }

    /// <summary>
    /// A NaN anywhere in a score row makes the whole row of probabilities NaN, as torch's softmax does, wherever the NaN
    /// lies (the running maximum is taken with vmaxps, which does not propagate NaN by itself: the sum does).
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(127)]
    public unsafe void ANaNScoreMakesTheRowNaN(int at)
    {
        const int length = 128;
        var row = Enumerable.Range(0, length).Select(i => (float)Math.Sin(i)).ToArray();
        row[at] = float.NaN;
        var mask = Enumerable.Repeat(1f, length).ToArray();
        fixed (float* pr = row) fixed (float* pm = mask)
            AttentionKernel.Softmax(pr, pm, length, length, 8f);
        Assert.All(row, p => Assert.True(float.IsNaN(p), $"NaN at {at}: got {p}"));
    }
}
