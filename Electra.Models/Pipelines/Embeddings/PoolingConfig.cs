using System.Collections.Immutable;
using Electra.Core.Errors;

namespace Electra.Models.Pipelines;

/// <summary>sentence-transformers' pooling modes, under the names its <c>Pooling</c> module accepts.</summary>
public enum PoolingMode
{
    /// <summary><c>cls</c>: the first token's hidden state.</summary>
    Cls,
    /// <summary><c>max</c>: per dimension, the maximum over the pooled tokens.</summary>
    Max,
    /// <summary><c>mean</c>: the mean over the pooled tokens.</summary>
    Mean,
    /// <summary><c>mean_sqrt_len_tokens</c>: the sum over the pooled tokens divided by √(their count).</summary>
    MeanSqrtLenTokens,
    /// <summary><c>weightedmean</c>: the mean weighted by position (1, 2, 3, ...), as in SGPT.</summary>
    WeightedMean,
    /// <summary><c>lasttoken</c>: the last pooled token's hidden state.</summary>
    LastToken,
}

/// <summary>
/// HF: sentence_transformers.models.Pooling (its <c>1_Pooling/config.json</c>). Several modes may be on at once: their
/// vectors are concatenated in sentence-transformers' order (cls, max, mean, mean_sqrt_len_tokens, weightedmean,
/// lasttoken), whatever the order given here.
/// </summary>
/// <param name="Modes">The modes that are on.</param>
/// <param name="IncludePrompt">
/// False leaves the prompt's tokens ([CLS] included) out of every mode but cls, as INSTRUCTOR-style models want.
/// </param>
/// <example><code>var pooling = PoolingConfig.Of(PoolingMode.Cls);</code></example>
public sealed record PoolingConfig(ImmutableArray<PoolingMode> Modes, bool IncludePrompt = true)
{
    /// <summary>sentence-transformers' default: mean pooling, prompt included.</summary>
    public static PoolingConfig Default { get; } = Of(PoolingMode.Mean);

    /// <summary>One mode (or several, concatenated), prompt included.</summary>
    public static PoolingConfig Of(params PoolingMode[] modes) => new(ImmutableArray.Create(modes));

    /// <summary>The modes that are on, in the order their vectors are concatenated, each once.</summary>
    public ImmutableArray<PoolingMode> OrderedModes =>
        Enum.GetValues<PoolingMode>().Where(m => !Modes.IsDefault && Modes.Contains(m)).ToImmutableArray();

    /// <summary>Parses a mode as sentence-transformers names it (case-insensitive): cls, lasttoken, max, mean, mean_sqrt_len_tokens, weightedmean.</summary>
    /// <exception cref="ConfigException">the name is none of them.</exception>
    public static PoolingMode ParseMode(string name) => name.ToLowerInvariant() switch
    {
        "cls" => PoolingMode.Cls,
        "lasttoken" => PoolingMode.LastToken,
        "max" => PoolingMode.Max,
        "mean" => PoolingMode.Mean,
        "mean_sqrt_len_tokens" => PoolingMode.MeanSqrtLenTokens,
        "weightedmean" => PoolingMode.WeightedMean,
        _ => throw new ConfigException(
            $"pooling mode '{name}' is not one of cls, lasttoken, max, mean, mean_sqrt_len_tokens, weightedmean"),
    };

    /// <summary>The name sentence-transformers gives <paramref name="mode"/>.</summary>
    public static string ModeName(PoolingMode mode) => mode switch
    {
        PoolingMode.Cls => "cls",
        PoolingMode.LastToken => "lasttoken",
        PoolingMode.Max => "max",
        PoolingMode.Mean => "mean",
        PoolingMode.MeanSqrtLenTokens => "mean_sqrt_len_tokens",
        PoolingMode.WeightedMean => "weightedmean",
        _ => throw new ArgumentOutOfRangeException(nameof(mode)),
    };

    /// <summary>Equal when the same modes are on (in any order) with the same prompt handling.</summary>
    public bool Equals(PoolingConfig? other) =>
        other is not null && IncludePrompt == other.IncludePrompt && OrderedModes.SequenceEqual(other.OrderedModes);

    public override int GetHashCode() => HashCode.Combine(IncludePrompt, string.Join(",", OrderedModes));

    /// <summary>sentence-transformers' pooling mode string, modes joined by '+' (e.g. "mean", "cls+max").</summary>
    public override string ToString() => string.Join("+", OrderedModes.Select(ModeName)) + (IncludePrompt ? "" : " (prompt excluded)");
}
