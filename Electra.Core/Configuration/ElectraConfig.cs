using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Core.Errors;

namespace Electra.Core.Configuration;

/// <summary>
/// HF <c>ElectraConfig</c> (configuration_electra.py) plus the <c>PretrainedConfig</c> fields ELECTRA uses.
/// Defaults are transformers' (= google/electra-small-discriminator's shape). Read and written as config.json by
/// <see cref="ElectraConfigJson"/>.
/// </summary>
public sealed record ElectraConfig
{
    public int VocabSize { get; init; } = 30522;
    public int EmbeddingSize { get; init; } = 128;
    public int HiddenSize { get; init; } = 256;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 4;
    public int IntermediateSize { get; init; } = 1024;
    public string HiddenAct { get; init; } = "gelu";
    public double HiddenDropoutProb { get; init; } = 0.1;
    public double AttentionProbsDropoutProb { get; init; } = 0.1;
    public int MaxPositionEmbeddings { get; init; } = 512;
    public int TypeVocabSize { get; init; } = 2;
    public double InitializerRange { get; init; } = 0.02;
    public double LayerNormEps { get; init; } = 1e-12;
    public string SummaryType { get; init; } = "first";
    public bool SummaryUseProj { get; init; } = true;
    public string? SummaryActivation { get; init; } = "gelu";
    public double SummaryLastDropout { get; init; } = 0.1;
    public int PadTokenId { get; init; } = 0;
    public string PositionEmbeddingType { get; init; } = "absolute";
    public bool UseCache { get; init; } = true;
    public double? ClassifierDropout { get; init; }

    // PretrainedConfig fields ELECTRA relies on.
    public ImmutableArray<string> Architectures { get; init; } = ImmutableArray<string>.Empty;
    public string ModelType { get; init; } = "electra";
    /// <summary>Label names by class index; when config.json has none, transformers assumes two labels LABEL_0, LABEL_1.</summary>
    public ImmutableSortedDictionary<int, string> Id2Label { get; init; } = DefaultLabels(2);
    public ImmutableSortedDictionary<string, int> Label2Id { get; init; } =
        ImmutableSortedDictionary<string, int>.Empty.Add("LABEL_0", 0).Add("LABEL_1", 1);
    /// <summary>"regression", "single_label_classification", "multi_label_classification" or null (inferred from labels).</summary>
    public string? ProblemType { get; init; }
    public bool IsDecoder { get; init; }
    public bool TieWordEmbeddings { get; init; } = true;
    public int? BosTokenId { get; init; }
    public int? EosTokenId { get; init; }
    public string? TorchDtype { get; init; }
    public string? TransformersVersion { get; init; }

    /// <summary>Keys of config.json this record does not model, kept verbatim (raw JSON) so a round trip loses nothing.</summary>
    public ImmutableSortedDictionary<string, string> ExtraFields { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    public int NumLabels => Id2Label.Count;
    public int HeadDim => HiddenSize / NumAttentionHeads;
    public bool HasEmbeddingsProjection => EmbeddingSize != HiddenSize;
    public Activation HiddenActivation => ActivationNames.Parse(HiddenAct);

    /// <summary>The head class from <c>architectures[0]</c>, or null when config.json names none.</summary>
    public string? Architecture => Architectures.IsDefaultOrEmpty ? null : Architectures[0];

    /// <summary>
    /// Structural equality, field by field: the collections compare by their contents (which the generated record
    /// equality would compare by reference), so two configs are equal exactly when they write the same config.json.
    /// </summary>
    public bool Equals(ElectraConfig? other) =>
        ReferenceEquals(this, other) || other is not null &&
        VocabSize == other.VocabSize && EmbeddingSize == other.EmbeddingSize && HiddenSize == other.HiddenSize &&
        NumHiddenLayers == other.NumHiddenLayers && NumAttentionHeads == other.NumAttentionHeads &&
        IntermediateSize == other.IntermediateSize && HiddenAct == other.HiddenAct &&
        HiddenDropoutProb.Equals(other.HiddenDropoutProb) && AttentionProbsDropoutProb.Equals(other.AttentionProbsDropoutProb) &&
        MaxPositionEmbeddings == other.MaxPositionEmbeddings && TypeVocabSize == other.TypeVocabSize &&
        InitializerRange.Equals(other.InitializerRange) && LayerNormEps.Equals(other.LayerNormEps) &&
        SummaryType == other.SummaryType && SummaryUseProj == other.SummaryUseProj &&
        SummaryActivation == other.SummaryActivation && SummaryLastDropout.Equals(other.SummaryLastDropout) &&
        PadTokenId == other.PadTokenId && PositionEmbeddingType == other.PositionEmbeddingType && UseCache == other.UseCache &&
        Nullable.Equals(ClassifierDropout, other.ClassifierDropout) &&
        Architectures.AsSpan().SequenceEqual(other.Architectures.AsSpan()) && ModelType == other.ModelType &&
        SameEntries(Id2Label, other.Id2Label) && SameEntries(Label2Id, other.Label2Id) &&
        ProblemType == other.ProblemType && IsDecoder == other.IsDecoder && TieWordEmbeddings == other.TieWordEmbeddings &&
        BosTokenId == other.BosTokenId && EosTokenId == other.EosTokenId && TorchDtype == other.TorchDtype &&
        TransformersVersion == other.TransformersVersion && SameEntries(ExtraFields, other.ExtraFields);

    public override int GetHashCode() =>
        HashCode.Combine(VocabSize, HiddenSize, NumHiddenLayers, NumAttentionHeads, IntermediateSize, HiddenAct,
            Architecture, Id2Label.Count);

    private static bool SameEntries<TKey, TValue>(ImmutableSortedDictionary<TKey, TValue> a, ImmutableSortedDictionary<TKey, TValue> b)
        where TKey : notnull =>
        ReferenceEquals(a, b) || a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var v) && EqualityComparer<TValue>.Default.Equals(kv.Value, v));

    public static ImmutableSortedDictionary<int, string> DefaultLabels(int count) =>
        Enumerable.Range(0, count).ToImmutableSortedDictionary(i => i, i => $"LABEL_{i}");

    /// <summary>Checks the invariants transformers relies on; throws <see cref="ConfigException"/> naming the field.</summary>
    public ElectraConfig Validate(string source = "config.json")
    {
        void Positive(int value, string name)
        {
            if (value <= 0) throw new ConfigException($"{source}: {name} must be positive, got {value}");
        }
        Positive(VocabSize, "vocab_size");
        Positive(EmbeddingSize, "embedding_size");
        Positive(HiddenSize, "hidden_size");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(IntermediateSize, "intermediate_size");
        Positive(MaxPositionEmbeddings, "max_position_embeddings");
        Positive(TypeVocabSize, "type_vocab_size");
        if (NumHiddenLayers < 0) throw new ConfigException($"{source}: num_hidden_layers must not be negative, got {NumHiddenLayers}");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new ConfigException(
                $"{source}: hidden_size ({HiddenSize}) is not a multiple of num_attention_heads ({NumAttentionHeads})");
        if (PositionEmbeddingType != "absolute")
            throw new ConfigException(
                $"{source}: position_embedding_type '{PositionEmbeddingType}' is not supported; only 'absolute' is implemented");
        if (!(LayerNormEps > 0)) throw new ConfigException($"{source}: layer_norm_eps must be positive, got {LayerNormEps}");
        if (PadTokenId < 0 || PadTokenId >= VocabSize)
            throw new ConfigException($"{source}: pad_token_id {PadTokenId} is outside the vocabulary (size {VocabSize})");
        try { _ = HiddenActivation; }
        catch (ConfigException ex) { throw new ConfigException($"{source}: hidden_act: {ex.Message}", ex); }
        if (SummaryType is not ("first" or "last" or "mean" or "cls_index" or "attn"))
            throw new ConfigException($"{source}: summary_type '{SummaryType}' is not one of first, last, mean, cls_index");
        if (ProblemType is not (null or "regression" or "single_label_classification" or "multi_label_classification"))
            throw new ConfigException($"{source}: problem_type '{ProblemType}' is not one of regression, single_label_classification, multi_label_classification");
        return this;
    }
}
