using System.Collections.Immutable;
using Electra.Models;
using Electra.Models.Pipelines;
using Electra.Tests.Support;

namespace Electra.Tests.Pipelines.Embeddings;

/// <summary>
/// Pooling on the backend against sentence-transformers' Pooling.forward written out here over transformers' own
/// last_hidden_state of a padded batch (model_proj_gelu: rows of 9 and 6 real tokens): every mode, with and without the
/// prompt, on every backend.
/// </summary>
public sealed class SentencePoolingFixtureTests
{
    private const string Fixture = "model_proj_gelu";
    private static readonly FixtureRows Rows = FixtureRows.Load(Fixture);

    public static TheoryData<string, PoolingMode, int> Cases()
    {
        var data = new TheoryData<string, PoolingMode, int>();
        foreach (var backend in TestBackends.Names)
            foreach (var mode in Enum.GetValues<PoolingMode>())
                foreach (int prompt in new[] { 0, 3 })
                    data.Add(backend, mode, prompt);
        return data;
    }

    private static SentenceEmbedding Pipeline(Electra.Core.Backend.IBackend backend, PoolingConfig pooling, int batchSize = 2)
    {
        var model = ElectraPretrained.Load(SharedData.Fixture(Fixture), backend, ElectraArchitecture.ElectraModel);
        var pipeline = new PipelineModel(model, TinyVocab.Numbered(model.Config.VocabSize), new PipelineSettings(batchSize),
            ElectraArchitecture.ElectraModel, "test");
        return new SentenceEmbedding(pipeline, SentenceTransformerConfig.Default with { Pooling = pooling });
    }

    /// <summary>sentence-transformers' Pooling.forward for one mode over a padded [B, S, H] batch and its mask.</summary>
    internal static float[] Expected(PoolingMode mode, float[] hidden, int[][] attentionMask, int b, int width, int promptLength)
    {
        int seq = attentionMask[0].Length;
        var mask = attentionMask[b].Select((m, s) => s < promptLength ? 0 : m).ToArray();   // attention_mask[:, :prompt_length] = 0
        float H(int s, int j) => hidden[(b * seq + s) * width + j];
        var result = new float[width];
        for (int j = 0; j < width; j++)
        {
            switch (mode)
            {
                case PoolingMode.Cls:
                    result[j] = H(0, j);
                    break;
                case PoolingMode.Max:
                    result[j] = Enumerable.Range(0, seq).Max(s => mask[s] == 0 ? -1e9f : H(s, j));
                    break;
                case PoolingMode.Mean or PoolingMode.MeanSqrtLenTokens or PoolingMode.WeightedMean:
                {
                    double[] w = mask.Select((m, s) => mode == PoolingMode.WeightedMean ? m * (s + 1.0) : m).ToArray();
                    double sum = Enumerable.Range(0, seq).Sum(s => w[s] * H(s, j));
                    double total = Math.Max(w.Sum(), 1e-9);
                    result[j] = (float)(sum / (mode == PoolingMode.MeanSqrtLenTokens ? Math.Sqrt(total) : total));
                    break;
                }
                case PoolingMode.LastToken:
                {
                    // values, indices = attention_mask.flip(1).max(1); where no 1: index seq - 1 → position 0.
                    int flipped = Array.IndexOf(mask.Reverse().ToArray(), 1);
                    int position = flipped < 0 ? 0 : seq - flipped - 1;
                    result[j] = H(position, j) * mask[position];
                    break;
                }
            }
        }
        return result;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PoolingMatchesSentenceTransformersOverTheReferenceHiddenStates(string backendName, PoolingMode mode, int promptLength)
    {
        using var backend = TestBackends.Create(backendName);
        var embed = Pipeline(backend, new PoolingConfig([mode], IncludePrompt: promptLength == 0));
        var pooled = embed.Pool(Rows.RealRows(), promptLength, default);
        var hidden = Rows.Reference["last_hidden_state"];
        int width = hidden.Shape[2];
        for (int b = 0; b < Rows.Ids.Length; b++)
            TensorAssert.Close($"{mode} row {b}", Expected(mode, hidden.Span.ToArray(), Rows.Mask, b, width, promptLength), pooled[b], 1e-4, 1e-4);
        TestBackends.AssertClean(backend);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public void SeveralModesAreConcatenatedInSentenceTransformersOrder(string backendName)
    {
        using var backend = TestBackends.Create(backendName);
        var embed = Pipeline(backend, PoolingConfig.Of(PoolingMode.LastToken, PoolingMode.Cls, PoolingMode.Mean), batchSize: 1);
        var pooled = embed.Pool(Rows.RealRows(), 0, default);
        var hidden = Rows.Reference["last_hidden_state"];
        int width = hidden.Shape[2];
        Assert.Equal(3 * width, embed.Dimension);
        for (int b = 0; b < Rows.Ids.Length; b++)
        {
            var expected = new[] { PoolingMode.Cls, PoolingMode.Mean, PoolingMode.LastToken }
                .SelectMany(m => Expected(m, hidden.Span.ToArray(), Rows.Mask, b, width, 0)).ToArray();
            TensorAssert.Close($"row {b}", expected, pooled[b], 1e-4, 1e-4);
        }
        TestBackends.AssertClean(backend);
    }

    public static TheoryData<string> Backends => new(TestBackends.Names);
}
