using System.Diagnostics;
using Electra.Core.Checkpoints;
using Electra.Core.Tensors;
using Electra.Models;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra forward</c>: runs a model on inputs.json (fixture format) and writes every output as F32 safetensors
/// under transformers' names, printing a short summary.
/// </summary>
public static class ForwardCommand
{
    public const string Usage =
        "usage: electra forward --model DIR|HUB_ID [--revision REV] --inputs FILE.json --out FILE.safetensors [--backend cpu|vulkan] [--device N] [--threads T] [--head CLASS]";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        var a = new Arguments(args, new HashSet<string>());
        var modelDir = a.Required("model");
        var inputsPath = a.Required("inputs");
        var outPath = a.Required("out");
        var load = ModelLoadOptions.Read(a);
        a.RejectUnknown();
        if (a.Positional.Count > 0) throw new UsageException($"unexpected argument '{a.Positional[0]}'");

        var inputs = ModelInputsJson.Load(inputsPath);
        var clock = Stopwatch.StartNew();
        using var backend = load.CreateBackend();
        var model = load.Load(modelDir, backend);
        var loadMs = clock.Elapsed.TotalMilliseconds;
        clock.Restart();
        var output = model.Forward(inputs, ForwardOptions.Everything);
        var forwardMs = clock.Elapsed.TotalMilliseconds;
        SafetensorsWriter.Write(outPath, output.Tensors, new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["producer"] = "Electra.NET",
            ["class"] = model.Architecture.ToString(),
        });

        var c = model.Config;
        stdout.WriteLine($"model    {modelDir}: {model.Architecture}, {c.NumHiddenLayers} layers, hidden {c.HiddenSize}, {c.NumAttentionHeads} heads, vocab {c.VocabSize}");
        stdout.WriteLine($"backend  {backend.Name} ({backend.DeviceDescription})");
        stdout.WriteLine($"inputs   {inputsPath}: {TensorShape.Format((inputs.InputIds?.Shape ?? inputs.InputsEmbeds!.Shape))}");
        foreach (var line in OutputSummary.Describe(model, inputs, output)) stdout.WriteLine(line);
        stdout.WriteLine($"wrote    {outPath}: {output.Tensors.Count} tensors (load {loadMs:F0} ms, forward {forwardMs:F0} ms)");
        return 0;
    }
}
