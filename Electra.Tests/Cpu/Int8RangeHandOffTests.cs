using Electra.Core.Backend;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Cpu.Kernels;
using Electra.Cpu.Kernels.Int8;
using Electra.Models;
using Electra.Tests.Reference;
using Electra.Tests.Support;
using FsCheck.Xunit;

namespace Electra.Tests.Cpu;

/// <summary>
/// Output ranges measured by their producers and handed to the next int8 linear (<see cref="CpuTensor.KnownRange"/>),
/// which must never change a bit: the LayerNorm kernel's range against its output's own min and max, the CPU backend's
/// int8 operations against the same operations on the values uploaded afresh (a range pass of their own), and whole
/// models with and without the hand-off. The tests that switch <see cref="CpuForwardPass.MeasuresInt8OutputRanges"/>
/// live in this class only (xunit runs a class's tests one at a time; either setting gives the same bits).
/// </summary>
public class Int8RangeHandOffTests : IDisposable
{
    readonly WorkerPool _pool = new(2);
    public void Dispose() => _pool.Dispose();

    static ValueRange RangeOf(ReadOnlySpan<float> values)
    {
        float min = 0, max = 0;
        foreach (var v in values) { min = MathF.Min(min, v); max = MathF.Max(max, v); }
        return new ValueRange(min, max);
    }

    /// <summary>
    /// The vector range accumulator is the exact range (0 included) of every value folded in, whichever way: rows of odd
    /// lengths, single vectors, single values, merged accumulators; infinities, −0, denormals and NaN (both ends NaN).
    /// </summary>
    [Property(MaxTest = 200)]
    public unsafe void RangeAccumulatorIsTheExactRange(int seed, byte rowsSel, byte lengthSel, byte specialSel)
    {
        var rng = new Random(seed);
        int rows = 1 + rowsSel % 5, k = lengthSel % 70;
        float[] specials = [float.PositiveInfinity, float.NegativeInfinity, -0f, float.Epsilon, -float.Epsilon, float.MaxValue, float.NaN];
        var values = new float[rows * k + 8 + 3];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(rng.NextDouble() * 2 - 1) * (rng.Next(3) == 0 ? 1e-3f : 50f);
        if (specialSel % 3 == 0 && values.Length > 0) values[rng.Next(values.Length)] = specials[specialSel % specials.Length];
        if (specialSel % 5 == 0) for (int i = 0; i < values.Length; i++) values[i] = Math.Abs(values[i]) + 1; // all positive: min is 0
        var first = new RangeAccumulator();
        var second = new RangeAccumulator();
        fixed (float* p = values)
        {
            for (int r = 0; r < rows; r++) (r % 2 == 0 ? ref first : ref second).Add(p + r * k, k);
            second.Add(System.Runtime.Intrinsics.Vector256.Load(p + rows * k));
            for (int i = rows * k + 8; i < values.Length; i++) first.Add(values[i]);
        }
        first.Add(in second);
        var expected = RangeOf(values);
        var actual = first.Range;
        Assert.True(expected.Equals(actual), $"{rows} rows of {k}: expected {expected}, got {actual}");
    }

    /// <summary>
    /// The LayerNorm kernel measuring its output gives the bits it gives without, and the output's own range (0
    /// included); extreme rows: all zero (variance 0), huge, and a NaN, which makes the range NaN as a range pass would.
    /// </summary>
    [Theory]
    [InlineData(1, 1, false, false)]
    [InlineData(33, 7, true, false)]
    [InlineData(100, 256, true, false)]
    [InlineData(100, 300, false, false)]
    [InlineData(65, 40, true, true)]
    public unsafe void LayerNormMeasuresItsOutput(int rows, int n, bool threaded, bool extreme)
    {
        var rng = new Random(rows + n);
        var x = RandomFloats.Uniform(rng, rows * n, extreme ? 1e30f : 3f);
        var residual = RandomFloats.Uniform(rng, rows * n);
        if (extreme)
        {
            for (int i = 0; i < n; i++) x[n + i] = residual[n + i] = 0;
            x[7 * n + 3] = float.NaN;
        }
        var gamma = RandomFloats.Uniform(rng, n);
        var beta = RandomFloats.Uniform(rng, n);
        var pool = threaded ? _pool : null;
        var plain = new float[rows * n];
        LayerNormKernel.Forward(x, residual, gamma, beta, 1e-5f, plain, pool);
        var measured = new float[rows * n];
        ValueRange range;
        fixed (float* px = x) fixed (float* pr = residual) fixed (float* pg = gamma) fixed (float* pb = beta) fixed (float* po = measured)
            range = LayerNormKernel.Forward(px, pr, pg, pb, 1e-5f, po, rows, n, pool, outputRange: true);
        TensorAssert.Bitwise($"{rows} x {n}", plain, measured);
        Assert.Equal(RangeOf(plain), range);
        if (extreme) Assert.True(float.IsNaN(range.Min) && float.IsNaN(range.Max));
    }

    /// <summary>The QKV-style linears take a known range: the same bits as with the range pass it replaces.</summary>
    [Theory]
    [InlineData(5, false)]
    [InlineData(128, true)]
    [InlineData(333, false)]
    public unsafe void ManyLinearsWithAKnownRangeGiveTheRangePassBits(int m, bool threaded)
    {
        var rng = new Random(m);
        const int k = 40, n = 24;
        var x = RandomFloats.Uniform(rng, m * k, 3f);
        var weights = new[] { Int8PackedWeight.Pack(RandomFloats.Uniform(rng, n * k, 0.3f), n, k, RandomFloats.Uniform(rng, n), false),
            Int8PackedWeight.Pack(RandomFloats.Uniform(rng, n * k, 0.3f), n, k, null, true) };
        var pool = threaded ? _pool : null;
        var passes = new[] { new float[m * n], new float[m * n] };
        var given = new[] { new float[m * n], new float[m * n] };
        fixed (float* px = x, p0 = passes[0], p1 = passes[1], g0 = given[0], g1 = given[1])
        {
            Int8Gemm.MultiplyMany(px, k, m, weights, [(nint)p0, (nint)p1], false, pool);
            Int8Gemm.MultiplyMany(px, k, m, weights, [(nint)g0, (nint)g1], false, pool, RangeOf(x));
        }
        for (int i = 0; i < 2; i++) TensorAssert.Bitwise($"{m} rows, output {i}", passes[i], given[i]);
    }

    static (CpuBackend Backend, LinearWeight Linear, LinearWeight Up, LinearWeight Down, DeviceTensor Gamma, DeviceTensor Beta)
        Layer(Random rng, int threads, Int8Quantization quantization, int h, int f)
    {
        var backend = new CpuBackend(new CpuBackendOptions(threads, Quantization: quantization));
        LinearWeight Linear(int outF, int inF) => backend.UploadLinear(HostTensor.Create(RandomFloats.Uniform(rng, outF * inF, 0.3f), outF, inF),
            HostTensor.Create(RandomFloats.Uniform(rng, outF), outF), LinearRole.EncoderLayer);
        return (backend, Linear(h, h), Linear(f, h), Linear(h, f),
            backend.UploadWeight(HostTensor.Create(RandomFloats.Uniform(rng, h), h)), backend.UploadWeight(HostTensor.Create(RandomFloats.Uniform(rng, h), h)));
    }

    /// <summary>
    /// The CPU backend's int8 linear + LayerNorm and feed-forward + LayerNorm give the bits of their separate operations
    /// (linears, then the LayerNorm operation), carry their output's exact range (per-tensor activations) or none
    /// (per row), and the int8 linears that read those outputs give the bits they give on the same values uploaded
    /// afresh (no known range: a range pass of their own).
    /// </summary>
    [Theory]
    [InlineData(1, false, false, 40)]
    [InlineData(2, false, false, 40)]
    [InlineData(2, false, false, 300)]
    [InlineData(1, false, true, 300)]
    [InlineData(2, true, false, 300)]
    [InlineData(2, true, true, 70)]
    public void BackendInt8OperationsCarryTheirRange(int threads, bool perRow, bool perChannel, int m)
    {
        const int h = 48, f = 136;
        var rng = new Random(m * 4 + threads);
        var (backend, linear, up, down, gamma, beta) = Layer(rng, threads, new Int8Quantization(perChannel, perRow), h, f);
        using var _ = backend;
        using var pass = backend.BeginPass();
        var x = pass.Upload(RandomFloats.Uniform(rng, m * h, 2f), [m, h]);
        var context = pass.Upload(RandomFloats.Uniform(rng, m * h, 2f), [m, h]);
        string what = $"{threads} threads, per-row {perRow}, per-channel {perChannel}, {m} rows";

        var attended = pass.LinearLayerNorm(context, linear, x, gamma, beta, 1e-12f);
        TensorAssert.Bitwise(what + ", linear + LayerNorm", pass.Read(pass.LayerNorm(pass.Linear(context, linear), x, gamma, beta, 1e-12f)), pass.Read(attended));
        var output = pass.FeedForwardLayerNorm(attended, up, Activation.Gelu, down, gamma, beta, 1e-12f);
        var fresh = pass.Upload(pass.Read(attended), [m, h]);
        TensorAssert.Bitwise(what + ", feed-forward + LayerNorm", pass.Read(pass.LayerNorm(pass.Linear(pass.Linear(fresh, up, Activation.Gelu), down), fresh, gamma, beta, 1e-12f)),
            pass.Read(output));

        foreach (var (tensor, name) in new[] { (attended, "linear + LayerNorm"), (output, "feed-forward + LayerNorm") })
        {
            var known = ((CpuTensor)tensor).KnownRange;
            if (perRow) Assert.Null(known);
            else Assert.Equal(RangeOf(pass.Read(tensor)), known);
            // Readers of the range: the QKV-style linears, one linear, the feed-forward.
            var copy = pass.Upload(pass.Read(tensor), [m, h]);
            Assert.Null(((CpuTensor)copy).KnownRange);
            var withRange = pass.Linears(tensor, [linear, linear]);
            var without = pass.Linears(copy, [linear, linear]);
            TensorAssert.Bitwise($"{what}, linears after {name}", pass.Read(without[0]), pass.Read(withRange[0]));
            TensorAssert.Bitwise($"{what}, linear after {name}", pass.Read(pass.Linear(copy, up)), pass.Read(pass.Linear(tensor, up)));
            TensorAssert.Bitwise($"{what}, feed-forward after {name}", pass.Read(pass.FeedForward(copy, up, Activation.Gelu, down)),
                pass.Read(pass.FeedForward(tensor, up, Activation.Gelu, down)));
        }
    }

    /// <summary>A pooled tensor handed out again forgets the range of the values it held.</summary>
    [Fact]
    public void ARecycledTensorHasNoKnownRange()
    {
        var rng = new Random(5);
        var (backend, linear, _, _, gamma, beta) = Layer(rng, 2, Int8Quantization.Default, 32, 64);
        using var _b = backend;
        using var pass = backend.BeginPass();
        var x = pass.Upload(RandomFloats.Uniform(rng, 100 * 32), [100, 32]);
        var y = pass.LinearLayerNorm(x, linear, x, gamma, beta, 1e-12f);
        Assert.NotNull(((CpuTensor)y).KnownRange);
        pass.Release(y);
        var again = pass.Upload(RandomFloats.Uniform(rng, 100 * 32, 50f), [100, 32]);
        Assert.Same(y, again);
        Assert.Null(((CpuTensor)again).KnownRange);
    }

    /// <summary>
    /// Whole models give the same bits with the ranges handed on as with a range pass per int8 linear: per tensor, per
    /// row, per channel, 1 and 2 threads, short inputs and some 270 tokens.
    /// </summary>
    [Theory]
    [InlineData("model_proj_gelu")]
    [InlineData("models/electra-small-random")]
    public void ModelOutputsAreBitIdenticalWithRangePasses(string caseName)
    {
        var fixture = FixtureCase.Load(caseName);
        foreach (var quantization in new[] { Int8Quantization.Default, new Int8Quantization(true, false), new Int8Quantization(false, true) })
            foreach (int threads in new[] { 1, 2 })
            {
                using var backend = new CpuBackend(new CpuBackendOptions(threads, Quantization: quantization));
                var model = ElectraPretrained.Load(fixture.Folder, backend);
                // The fixture's short inputs (the int8 GEMMs split columns) and some 270 tokens (row tiles).
                var rng = new Random(threads);
                int seq = Math.Min(90, model.Config.MaxPositionEmbeddings), batch = (270 + seq - 1) / seq;
                var ids = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, seq).Select(_ => rng.Next(model.Config.VocabSize)).ToArray()).ToArray();
                var mask = Enumerable.Range(0, batch).Select(r => Enumerable.Range(0, seq).Select(i => i < seq - r % 3 * seq / 4 ? 1 : 0).ToArray()).ToArray();
                // Everything keeps every layer's output; Default recycles tensors within the forward (a stale range shows).
                foreach (var inputs in new[] { fixture.Inputs(), ModelInputs.FromIds(ids, mask) })
                foreach (var options in new[] { ForwardOptions.Everything, ForwardOptions.Default })
                {
                    var saved = model.Forward(inputs, options);
                    ModelOutput plain;
                    try
                    {
                        CpuForwardPass.MeasuresInt8OutputRanges = false;
                        plain = model.Forward(inputs, options);
                    }
                    finally
                    {
                        CpuForwardPass.MeasuresInt8OutputRanges = true;
                    }
                    foreach (var (name, tensor) in plain.Tensors)
                        TensorAssert.Bitwise($"{caseName} {quantization} {threads} threads {name}", tensor.Span, saved.Tensors[name].Span);
                }
            }
    }
}

/// <summary>
/// The attention kernel measuring its context (<see cref="AttentionKernel.RunMeasuringContext"/>) for the int8
/// attention-output linear: the context's bits are those of the plain run and the range is its exact range, 0
/// included, on shapes whose query blocks do not divide the sequence, causal and padded rows, with probabilities, and a
/// NaN, which makes both ends NaN as the range pass does.
/// </summary>
public class AttentionContextRangeTests : IDisposable
{
    readonly WorkerPool _pool = new(2);
    public void Dispose() => _pool.Dispose();

    [Theory]
    [InlineData(1, 1, 1, 1, 8, false, false, false, false)]
    [InlineData(2, 37, 37, 4, 16, false, true, false, true)]
    [InlineData(3, 50, 50, 2, 64, true, false, true, true)]
    [InlineData(2, 97, 97, 4, 64, false, false, false, true)]
    [InlineData(2, 5, 49, 3, 20, false, true, true, false)]
    [InlineData(2, 60, 60, 2, 32, false, false, false, true, true)]
    public unsafe void TheMeasuredRangeIsTheContextsRange(int batch, int sq, int sk, int heads, int d, bool causal, bool probabilities,
        bool padded, bool threaded, bool nan = false)
    {
        var rng = new Random(batch * 1000 + sq * 10 + d);
        int hidden = heads * d;
        var q = RandomFloats.Uniform(rng, batch * sq * hidden, 2f);
        var k = RandomFloats.Uniform(rng, batch * sk * hidden, 2f);
        var v = RandomFloats.Uniform(rng, batch * sk * hidden, 3f);
        if (nan) v[rng.Next(v.Length)] = float.NaN;
        else
        {
            // The maximum in the last query row (the last row of its block): it attends almost only to key 0, whose
            // value has a large first element.
            v[0] = 1000f;
            for (int j = 0; j < d; j++) q[(sq - 1) * hidden + j] = 8f * k[j];
        }
        var mask = new float[batch * sk];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < sk; j++) mask[b * sk + j] = padded && b == 1 && j >= sk / 2 ? 0 : 1;
        var shape = new AttentionKernel.Shape(batch, sq, sk, heads, d, hidden, hidden, hidden, hidden, causal);
        var plain = new float[batch * sq * hidden];
        var measured = new float[batch * sq * hidden];
        measured.AsSpan().Fill(float.NaN);
        var probs = new float[probabilities ? batch * heads * sq * sk : 1];
        var pool = threaded ? _pool : null;
        ValueRange range;
        fixed (float* pq = q, pk = k, pv = v, pm = mask, pp = probs, pc = plain, pmc = measured)
        {
            AttentionKernel.Run(shape, pq, pk, pv, pm, pc, probabilities ? pp : null, GemmIsaDetection.Best, pool);
            range = AttentionKernel.RunMeasuringContext(shape, pq, pk, pv, pm, pmc, probabilities ? pp : null, GemmIsaDetection.Best, pool);
        }
        string what = $"{batch} x {sq} x {sk}, {heads} heads of {d}";
        for (int i = 0; i < plain.Length; i++)
            if (BitConverter.SingleToInt32Bits(plain[i]) != BitConverter.SingleToInt32Bits(measured[i]))
                Assert.Fail($"{what}: element {i} is {measured[i]}, expected {plain[i]}");
        float min = 0, max = 0;
        foreach (var x in plain) { min = MathF.Min(min, x); max = MathF.Max(max, x); }
        Assert.Equal(new ValueRange(min, max), range);
        if (nan) Assert.True(float.IsNaN(range.Min) && float.IsNaN(range.Max), what);
    }

    /// <summary>
    /// The CPU backend's attention hands its context's range to the next int8 linear with per-tensor activations only
    /// (none per row, none in float32), and the attention-output linear + LayerNorm gives the bits it gives on the same
    /// context uploaded afresh (a range pass of its own).
    /// </summary>
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    public void TheBackendHandsTheContextRangeToTheOutputLinear(int threads, bool perRow)
    {
        const int batch = 3, seq = 53, heads = 4, h = 32;
        var rng = new Random(threads * 2 + (perRow ? 1 : 0));
        using var backend = new CpuBackend(new CpuBackendOptions(threads, Quantization: new Int8Quantization(false, perRow)));
        var linear = backend.UploadLinear(HostTensor.Create(RandomFloats.Uniform(rng, h * h, 0.3f), h, h),
            HostTensor.Create(RandomFloats.Uniform(rng, h), h), LinearRole.EncoderLayer);
        var gamma = backend.UploadWeight(HostTensor.Create(RandomFloats.Uniform(rng, h), h));
        var beta = backend.UploadWeight(HostTensor.Create(RandomFloats.Uniform(rng, h), h));
        using var pass = backend.BeginPass();
        DeviceTensor Input(float scale) => pass.Upload(RandomFloats.Uniform(rng, batch * seq * h, scale), [batch, seq, h]);
        var (q, k, v, x) = (Input(2f), Input(2f), Input(3f), Input(1f));
        var mask = pass.Upload(Enumerable.Range(0, batch * seq).Select(i => i % seq < seq - i / seq * 7 ? 1f : 0f).ToArray(), [batch, seq]);
        var context = pass.Attention(q, k, v, mask, heads, causal: false, returnProbabilities: false).Context;
        var known = ((CpuTensor)context).KnownRange;
        var values = pass.Read(context);
        if (perRow) Assert.Null(known);
        else
        {
            float min = 0, max = 0;
            foreach (var c in values) { min = MathF.Min(min, c); max = MathF.Max(max, c); }
            Assert.Equal(new ValueRange(min, max), known);
        }
        var fresh = pass.Upload(values, [batch, seq, h]);
        var expected = pass.Read(pass.LinearLayerNorm(fresh, linear, x, gamma, beta, 1e-12f));
        var actual = pass.Read(pass.LinearLayerNorm(context, linear, x, gamma, beta, 1e-12f));
        TensorAssert.Bitwise($"{threads} threads, per-row {perRow}", expected, actual);

        using var floatBackend = new CpuBackend(new CpuBackendOptions(threads));
        using var floatPass = floatBackend.BeginPass();
        var floatContext = floatPass.Attention(floatPass.Upload(pass.Read(q), [batch, seq, h]), floatPass.Upload(pass.Read(k), [batch, seq, h]),
            floatPass.Upload(pass.Read(v), [batch, seq, h]), floatPass.Upload(pass.Read(mask), [batch, seq]), heads, false, false).Context;
        Assert.Null(((CpuTensor)floatContext).KnownRange);
    }
}
