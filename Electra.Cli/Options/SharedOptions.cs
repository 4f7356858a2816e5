using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Electra.Cli.Options;

/// <summary>
/// The one definition of every option that several commands take, and the helpers that build the rest. A command adds
/// a shared option in one line (<c>var model = command.Define(SharedOptions.Model("..."))</c>) or a whole group through
/// <see cref="ModelOptionGroup"/> / <see cref="PipelineOptionGroup"/>; each call makes a new option object, so the
/// per-command description may differ while the name, value syntax and validation stay the same.
/// </summary>
internal static class SharedOptions
{
    public static Option<string> Model(string description, bool required = false) =>
        new("--model") { Description = description, HelpName = "DIR|HUB_ID", Required = required };

    public static Option<string> Revision() =>
        new("--revision") { Description = "with a hub id: the branch, tag or commit (default: main)", HelpName = "REV" };

    public static Option<bool> Offline() =>
        Flag("--offline", "with a hub id: use the Hugging Face cache only, download nothing (as HF_HUB_OFFLINE=1)");

    public static Option<string> Backend() =>
        Choice("--backend", "where the model runs (default: cpu)", "cpu", "vulkan");

    public static Option<string> Precision() =>
        Choice("--precision", "f32 (default): float32 throughout; f16: linear weights and activations stored as float16 on the GPU (--backend vulkan; float32 sums, products on matrix cores or in packed half arithmetic where the GPU has them, results read as float32; within 1.5e-2 abs + 1.5e-2 rel of float32, see README)", "f32", "f16");

    public static Option<string> Device() =>
        new("--device") { Description = "Vulkan device: its index in `electra devices`, or part of its name (default: the first discrete GPU)", HelpName = "N|NAME" };

    public static Option<int?> Threads() => Int("--threads", "CPU threads (default: one per core)", "T", min: 1);

    public static Option<string> Quantize() =>
        Choice("--quantize", "run the encoder layers' linears in int8 on the CPU backend (dynamic quantization as ONNX Runtime's quantize_dynamic: int8 weights per tensor, uint8 activations per tensor; heads, attention and LayerNorm stay float32)", "int8");

    public static Option<string> Head() =>
        new("--head") { Description = "load the checkpoint as this HF class (e.g. ElectraForMaskedLM) instead of config.json's architectures[0]", HelpName = "CLASS" };

    public static Option<string> Input(string description) =>
        new("--input") { Description = description, HelpName = "FILE.jsonl" };

    public static Option<bool> Json(string description) => Flag("--json", description);

    public static Option<int?> BatchSize() =>
        Int("--batch-size", "texts per forward pass; inputs are sorted by length and run unpadded (default: 16)", "N", min: 1);

    /// <summary>The texts a pipeline command works on.</summary>
    public static Argument<string[]> Texts(string description = "texts to run on (or --input FILE.jsonl); put `--` before a text that starts with '-'") =>
        new("TEXT") { Description = description, Arity = ArgumentArity.ZeroOrMore };

    /// <summary>
    /// A switch: present or absent, never followed by a value, so <c>--json true</c> leaves "true" to the command's texts
    /// and <c>--json=yes</c> is a usage error (see <see cref="Parsing.UsageErrors"/>).
    /// </summary>
    public static Option<bool> Flag(string name, string description) =>
        new(name) { Description = description, Arity = ArgumentArity.Zero };

    /// <summary>An integer option whose mistakes read "--name expects an integer, got 'x'" / "--name must be at least N, got x".</summary>
    public static Option<int?> Int(string name, string description, string helpName, int? min = null, bool required = false)
    {
        var option = new Option<int?>(name) { Description = description, HelpName = helpName, Required = required };
        option.CustomParser = r => ParseInt(r, name, min);
        return option;
    }

    /// <summary>A floating-point option (invariant culture); a mistake reads "--name expects a number, got 'x'".</summary>
    public static Option<double?> Double(string name, string description, string helpName)
    {
        var option = new Option<double?>(name) { Description = description, HelpName = helpName };
        option.CustomParser = r =>
        {
            var text = r.Tokens[0].Value;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v)) return v;
            r.AddError($"{name} expects a finite number, got '{text}'");
            return null;
        };
        return option;
    }

    /// <summary>A text option limited to <paramref name="allowed"/>; the values are offered to shell completion.</summary>
    public static Option<string> Choice(string name, string description, params string[] allowed)
    {
        var option = new Option<string>(name) { Description = description, HelpName = string.Join('|', allowed) };
        option.CompletionSources.Add(allowed);
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 1 && !allowed.Contains(r.Tokens[0].Value))
                r.AddError($"{name} must be one of {string.Join(", ", allowed)}, got '{r.Tokens[0].Value}'");
        });
        return option;
    }

    /// <summary>Adds <paramref name="option"/> to <paramref name="command"/> and returns it, for one-line declarations.</summary>
    public static T Define<T>(this Command command, T option) where T : Option
    {
        command.Options.Add(option);
        return option;
    }

    /// <summary>Adds <paramref name="argument"/> to <paramref name="command"/> and returns it.</summary>
    public static Argument<T> Define<T>(this Command command, Argument<T> argument)
    {
        command.Arguments.Add(argument);
        return argument;
    }

    private static int? ParseInt(ArgumentResult r, string name, int? min)
    {
        var text = r.Tokens[0].Value;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
        {
            r.AddError($"{name} expects an integer, got '{text}'");
            return null;
        }
        if (v < min)
        {
            r.AddError($"{name} must be at least {min}, got {v}");
            return null;
        }
        return v;
    }
}
