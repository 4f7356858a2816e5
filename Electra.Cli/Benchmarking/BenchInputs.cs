using Electra.Core.Tensors;
using Electra.Models;

namespace Electra.Cli.Benchmarking;

/// <summary>
/// Deterministic benchmark inputs: each row starts with [CLS] = 101, the other tokens are uniform in
/// 1000..29999 (capped to the vocabulary), and with a pad ratio p each row keeps a random length so that on
/// average a fraction p of the positions are padding ([PAD] = 0, attention mask 0).
/// </summary>
public sealed record BenchInputs(int Batch, int Seq, int[] Ids, int[] Mask)
{
    public const int ClsId = 101;

    /// <summary>Tokens that are not padding.</summary>
    public int RealTokens => Mask.Count(m => m != 0);

    public static BenchInputs Create(int batch, int seq, double padRatio, int vocabSize, int seed = 1234)
    {
        if (batch < 1 || seq < 1) throw new ArgumentOutOfRangeException(nameof(batch), "batch and seq must be positive");
        if (padRatio is < 0 or > 0.5) throw new ArgumentOutOfRangeException(nameof(padRatio), padRatio, "pad ratio must be in [0, 0.5]");
        var rng = new Random(seed);
        var ids = new int[batch * seq];
        var mask = new int[batch * seq];
        int hi = Math.Min(30000, vocabSize), lo = Math.Min(1000, hi - 1);
        for (int b = 0; b < batch; b++)
        {
            // Lengths uniform in [S·(1 − 2p), S] average S·(1 − p).
            int length = padRatio == 0 ? seq
                : Math.Clamp((int)Math.Round(seq * (1 - 2 * padRatio * rng.NextDouble())), 1, seq);
            for (int s = 0; s < seq; s++)
            {
                int i = b * seq + s;
                bool real = s < length;
                ids[i] = !real ? 0 : s == 0 ? Math.Min(ClsId, vocabSize - 1) : rng.Next(lo, hi);
                mask[i] = real ? 1 : 0;
            }
        }
        return new BenchInputs(batch, seq, ids, mask);
    }

    public ModelInputs ToModelInputs() => new()
    {
        InputIds = HostIntTensor.Create(Ids, Batch, Seq),
        AttentionMask = HostIntTensor.Create(Mask, Batch, Seq),
        TokenTypeIds = HostIntTensor.Create(new int[Batch * Seq], Batch, Seq),
    };
}
