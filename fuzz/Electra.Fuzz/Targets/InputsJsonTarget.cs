using System.Text;

namespace Electra.Fuzz;

/// <summary>ModelInputsJson.Parse on the text (what `electra forward --inputs` reads), then one forward of the smallest fixture model.</summary>
public sealed class InputsJsonTarget : FuzzTarget
{
    private Electra.Models.ElectraPretrained? _model;
    private string _fixture = "";

    public override string Name => "inputs-json";

    public override IEnumerable<byte[]> Seeds(string repoRoot)
    {
        _fixture = Shared(repoRoot, "fixtures", "pretraining_gelu");
        return Directory.EnumerateFiles(Shared(repoRoot, "fixtures"), "inputs.json", SearchOption.AllDirectories)
            .Where(p => new FileInfo(p).Length < 64 << 10)
            .OrderBy(p => p, StringComparer.Ordinal)
            .Take(12)
            .Select(File.ReadAllBytes);
    }

    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => mutator.Json;

    public override void Execute(byte[] input)
    {
        var inputs = Electra.Models.ModelInputsJson.Parse(Encoding.UTF8.GetString(input), "fuzz/inputs.json");
        _model ??= Electra.Models.ElectraPretrained.Load(_fixture, new Electra.Cpu.CpuBackend(new Electra.Cpu.CpuBackendOptions(Threads: 1)));
        _ = _model.Forward(inputs);
    }
}
