using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Server;

/// <summary>The ELECTRA-small-shaped random discriminator, loaded once.</summary>
public sealed class SmallModelFixture : IDisposable
{
    public CpuBackend Backend { get; } = new();
    public ElectraPretrained Model { get; }

    public SmallModelFixture() => Model = ElectraPretrained.Load(Path.Combine(SharedData.Models, "electra-small-random"), Backend);

    public void Dispose() => Backend.Dispose();
}

/// <summary>
/// What dynamic batching relies on: on the CPU a row's outputs are bitwise the same whatever rows it runs with and
/// however many (GEMM tiles and thread splits never change a row's reduction order; attention and LayerNorm work per
/// row). Checked at ELECTRA-small's real sizes (hidden 256, 4 heads, 12 layers), where batches cross the GEMM's
/// 72-row tile and 192-row split thresholds.
/// </summary>
public sealed class BatchInvarianceProperties(SmallModelFixture small) : IClassFixture<SmallModelFixture>
{
    [Property(MaxTest = 5)]
    public Property ARowIsBitwiseTheSameAloneAndInAnyBatch() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var model = small.Model;
            int count = rng.Next(2, 14);
            var rows = Enumerable.Range(0, count).Select(_ =>
                Enumerable.Range(0, rng.Next(1, 60)).Select(_ => rng.Next(1000, model.Config.VocabSize)).ToArray()).ToArray();
            var batched = Run(model, rows);
            // Three rows alone, and the batch in reverse order: every row must match bit for bit.
            var reversed = Run(model, rows.Reverse().ToArray()).Reverse().ToArray();
            foreach (int r in Enumerable.Range(0, 3).Select(_ => rng.Next(count)))
                if (!Bitwise(Run(model, [rows[r]])[0], batched[r])) return false;
            return Enumerable.Range(0, count).All(r => Bitwise(reversed[r], batched[r]));
        });

    /// <summary>The rows padded into one batch, run with padding skipped; each row's logits at its real positions.</summary>
    private static float[][] Run(ElectraPretrained model, int[][] rows)
    {
        int seq = rows.Max(r => r.Length);
        var ids = new int[rows.Length * seq];
        var mask = new int[rows.Length * seq];
        for (int b = 0; b < rows.Length; b++)
        {
            rows[b].CopyTo(ids, b * seq);
            mask.AsSpan(b * seq, rows[b].Length).Fill(1);
        }
        var output = model.Forward(new ModelInputs
        {
            InputIds = HostIntTensor.Create(ids, rows.Length, seq),
            AttentionMask = HostIntTensor.Create(mask, rows.Length, seq),
        }, ForwardOptions.RealTokensOnly);
        var logits = output.Logits!.ToArray();
        return rows.Select((r, b) => logits.AsSpan(b * seq, r.Length).ToArray()).ToArray();
    }

    private static bool Bitwise(float[] a, float[] b) =>
        a.Length == b.Length && a.Zip(b).All(p => BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));
}
