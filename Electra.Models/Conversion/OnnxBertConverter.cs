using System.Collections.Immutable;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Core.Tensors;

namespace Electra.Models.Conversion;

/// <summary>
/// Turns a BERT encoder exported to ONNX by torch.onnx (as sentence-transformers models are) back into a transformers
/// state dict in ELECTRA's names: a BERT encoder without its pooler is an <c>ElectraModel</c> with
/// <c>embedding_size == hidden_size</c>. Named initializers keep their names (a leading "bert." is dropped); the
/// exporter's anonymous MatMul weights ([in, out]) are named after the bias their output is added to, and transposed
/// to PyTorch's [out, in].
/// </summary>
internal static class OnnxBertConverter
{
    /// <summary>The state dict and the config it implies (sizes read from the weights; heads and activation given).</summary>
    /// <exception cref="CheckpointFormatException">the graph is not a BERT encoder this converter understands.</exception>
    public static (ImmutableSortedDictionary<string, HostTensor> Weights, ElectraConfig Config) Convert(OnnxGraph graph, int heads,
        string source, string hiddenAct = "gelu", double layerNormEps = 1e-12)
    {
        var weights = ImmutableSortedDictionary.CreateBuilder<string, HostTensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in graph.Initializers)
        {
            var key = name.StartsWith("bert.", StringComparison.Ordinal) ? name["bert.".Length..] : name;
            if (key.StartsWith("embeddings.", StringComparison.Ordinal) || key.StartsWith("encoder.", StringComparison.Ordinal))
                weights[key] = tensor;
        }
        var consumers = graph.Nodes.SelectMany(n => n.Inputs.Select(i => (Input: i, Node: n))).ToLookup(x => x.Input, x => x.Node);
        foreach (var matmul in graph.Nodes.Where(n => n.OpType == "MatMul" && n.Inputs.Length == 2 && n.Outputs.Length == 1))
        {
            if (!graph.Initializers.TryGetValue(matmul.Inputs[1], out var w) || w.Rank != 2) continue;
            var bias = consumers[matmul.Outputs[0]]
                .Where(n => n.OpType == "Add")
                .SelectMany(n => n.Inputs)
                .Select(i => i.StartsWith("bert.", StringComparison.Ordinal) ? i["bert.".Length..] : i)
                .FirstOrDefault(i => i.EndsWith(".bias", StringComparison.Ordinal) && weights.ContainsKey(i));
            if (bias is null) continue;
            weights[bias[..^".bias".Length] + ".weight"] = Transpose(w);
        }
        weights.Remove("embeddings.position_ids");

        HostTensor Need(string key) => weights.TryGetValue(key, out var t)
            ? t
            : throw new CheckpointFormatException(source, $"no '{key}' in the graph; it does not look like a BERT encoder");
        var words = Need("embeddings.word_embeddings.weight");
        int hidden = words.Shape[1];
        int layers = 0;
        while (weights.ContainsKey($"encoder.layer.{layers}.attention.self.query.weight")) layers++;
        if (layers == 0) throw new CheckpointFormatException(source, $"no encoder layer with a query weight was found");
        var config = new ElectraConfig
        {
            VocabSize = words.Shape[0],
            EmbeddingSize = hidden,
            HiddenSize = hidden,
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            IntermediateSize = Need("encoder.layer.0.intermediate.dense.weight").Shape[0],
            HiddenAct = hiddenAct,
            MaxPositionEmbeddings = Need("embeddings.position_embeddings.weight").Shape[0],
            TypeVocabSize = Need("embeddings.token_type_embeddings.weight").Shape[0],
            LayerNormEps = layerNormEps,
            Architectures = ["ElectraModel"],
        }.Validate();
        return (weights.ToImmutable(), config);
    }

    private static HostTensor Transpose(HostTensor w)
    {
        int rows = w.Shape[0], cols = w.Shape[1];
        var src = w.Span;
        var result = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                result[c * rows + r] = src[r * cols + c];
        return new HostTensor([cols, rows], result);
    }
}
