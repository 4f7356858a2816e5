using System.Globalization;
using Electra.Core.Checkpoints;
using Electra.Core.Configuration;
using Electra.Core.Tensors;
using Electra.Models;
using Electra.Models.Loading;

namespace Electra.Benchmarks;

/// <summary>
/// Writes an ELECTRA-base-shaped ElectraModel (hidden 768, 12 layers, 12 heads, intermediate 3072) with seeded random
/// weights as config.json + model.safetensors, loadable by <c>electra</c> and by transformers' <c>from_pretrained</c>,
/// so that both sides of a GPU comparison run the very same weights.
/// </summary>
public static class RandomBaseModel
{
    public static void Write(string directory)
    {
        var config = new ElectraConfig
        {
            EmbeddingSize = 768, HiddenSize = 768, NumHiddenLayers = 12, NumAttentionHeads = 12, IntermediateSize = 3072,
        }.Validate();
        var rng = new Random(5);
        var tensors = new Dictionary<string, HostTensor>();
        foreach (var (key, shape) in StateDictLayout.Expected(config, ElectraArchitecture.ElectraModel))
        {
            var values = new float[TensorShape.ElementCount(shape)];
            bool norm = key.Contains("LayerNorm.weight");
            for (int i = 0; i < values.Length; i++) values[i] = norm ? 1f : 0.02f * (float)(rng.NextDouble() * 2 - 1) * 1.7f;
            tensors[key] = new HostTensor(shape, values);
        }
        Directory.CreateDirectory(directory);
        SafetensorsWriter.Write(Path.Combine(directory, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(directory, "config.json"), string.Create(CultureInfo.InvariantCulture, $$"""
            {
              "architectures": ["ElectraModel"], "model_type": "electra", "vocab_size": {{config.VocabSize}},
              "embedding_size": 768, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
              "intermediate_size": 3072, "hidden_act": "gelu", "max_position_embeddings": 512, "type_vocab_size": 2,
              "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute", "torch_dtype": "float32"
            }
            """));
    }
}
