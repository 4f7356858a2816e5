using Electra.Models;

namespace Electra.Cli.Commands;

/// <summary>What a loaded model's <see cref="Models.Loading.LoadReport"/> says that a user must see: written to stderr, never stdout.</summary>
internal static class LoadWarnings
{
    /// <summary>Warns when the checkpoint holds NaN or ±Inf weights (loaded, as transformers does; outputs will show them).</summary>
    public static void Write(TextWriter stderr, ElectraPretrained model)
    {
        var nonFinite = model.Report.NonFiniteWeights;
        if (nonFinite.IsEmpty) return;
        long values = nonFinite.Values.Sum();
        var (first, count) = nonFinite.First();
        stderr.WriteLine($"electra: warning: the checkpoint holds {values:N0} non-finite weight value(s) (NaN or ±Inf) in "
            + $"{nonFinite.Count} tensor(s), e.g. '{first}' ({count:N0}); outputs computed from them are NaN or infinite "
            + "(JSON writes such a number as null with a \"<name>_nonfinite\" field)");
    }
}
