using Electra.Core.Backend;
using Electra.Core.Checkpoints;
using Electra.Core.Configuration;
using Electra.Core.Tensors;
using Electra.Models;
using Electra.Models.Loading;

namespace Electra.Tests.Support;

/// <summary>Tiny random ELECTRA models built in memory, for property tests.</summary>
public static class RandomModels
{
    public static ElectraConfig Config(Random rng, bool isDecoder = false)
    {
        int heads = rng.Next(1, 5);
        int hidden = heads * rng.Next(2, 9);
        return new ElectraConfig
        {
            VocabSize = rng.Next(20, 60),
            EmbeddingSize = rng.Next(2) == 0 ? hidden : rng.Next(4, 20),
            HiddenSize = hidden,
            NumHiddenLayers = rng.Next(1, 3),
            NumAttentionHeads = heads,
            IntermediateSize = rng.Next(8, 40),
            HiddenAct = new[] { "gelu", "gelu_new", "relu", "silu" }[rng.Next(4)],
            MaxPositionEmbeddings = 160,
            LayerNormEps = rng.Next(2) == 0 ? 1e-12 : 1e-5,
            IsDecoder = isDecoder,
        }.Validate();
    }

    public static InMemoryWeights Weights(ElectraConfig config, ElectraArchitecture architecture, Random rng)
    {
        var tensors = new Dictionary<string, HostTensor>();
        foreach (var (key, shape) in StateDictLayout.Expected(config, architecture))
        {
            var values = new float[TensorShape.ElementCount(shape)];
            bool isNormWeight = key.Contains("LayerNorm.weight");
            for (int i = 0; i < values.Length; i++)
                values[i] = isNormWeight ? 1f + 0.2f * Normal(rng) : 0.3f * Normal(rng);
            tensors[key] = new HostTensor(shape, values);
        }
        return new InMemoryWeights(tensors);
    }

    public static ElectraPretrained Model(ElectraConfig config, ElectraArchitecture architecture, Random rng, IBackend backend) =>
        ElectraPretrained.FromWeights(config, Weights(config, architecture, rng), backend, architecture);

    public static float Normal(Random rng) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));

    public static float[] Floats(Random rng, int count, float scale = 1f) =>
        Enumerable.Range(0, count).Select(_ => scale * Normal(rng)).ToArray();
}
