using System.CommandLine;
using System.Diagnostics;
using Electra.Cli.Options;
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
    public static Command Create(CliIO io)
    {
        var command = new Command("forward", "run a model on inputs in the fixture format and write every output (hidden states and attentions too) as F32 safetensors under transformers' names");
        var model = new ModelOptionGroup(command, SharedOptions.Model("the model: a folder or a hub id in the Hugging Face cache", required: true), head: true);
        var inputs = command.Define(new Option<string>("--inputs") { Description = "input_ids, attention_mask, token_type_ids, position_ids, labels, ... as JSON (../shared/fixtures/FORMAT.md)", HelpName = "FILE.json", Required = true });
        var output = command.Define(new Option<string>("--out") { Description = "the safetensors file to write (not written when the run fails)", HelpName = "FILE.safetensors", Required = true });
        command.SetAction(r => Run(r.GetValue(model.Model)!, r.GetValue(inputs)!, r.GetValue(output)!, model.Read(r), io.Out, io.Err));
        return command;
    }

    private static int Run(string modelDir, string inputsPath, string outPath, ModelLoadOptions load, TextWriter stdout, TextWriter stderr)
    {

        var inputs = ModelInputsJson.Load(inputsPath);
        var clock = Stopwatch.StartNew();
        using var backend = load.CreateBackend();
        var model = load.Load(modelDir, backend);
        LoadWarnings.Write(stderr, model);
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
