using Electra.Core.Errors;

namespace Electra.Models;

/// <summary>The transformers classes this library implements.</summary>
public enum ElectraArchitecture
{
    ElectraModel,
    ElectraForPreTraining,
    ElectraForMaskedLM,
    ElectraForCausalLM,
    ElectraForSequenceClassification,
    ElectraForTokenClassification,
    ElectraForQuestionAnswering,
    ElectraForMultipleChoice,
}

public static class ElectraArchitectures
{
    /// <summary>Parses a transformers class name ("ElectraForPreTraining", ...).</summary>
    /// <exception cref="ConfigException">the name is not an ELECTRA class we implement.</exception>
    public static ElectraArchitecture Parse(string name) =>
        Enum.TryParse<ElectraArchitecture>(name, ignoreCase: false, out var a) && Enum.IsDefined(a)
            ? a
            : throw new ConfigException(
                $"unknown head class '{name}': expected one of {string.Join(", ", Enum.GetNames<ElectraArchitecture>())}");
}
