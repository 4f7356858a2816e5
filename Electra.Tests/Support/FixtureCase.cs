using System.Text.Json;
using Electra.Core.Checkpoints;
using Electra.Core.Tensors;
using Electra.Models;

namespace Electra.Tests.Support;

/// <summary>One shared fixture folder: its class, tolerance, inputs and reference outputs.</summary>
public sealed record FixtureCase(string Name, string Folder, string ClassName, double Abs, double Rel)
{
    public static FixtureCase Load(string nameOrFolder)
    {
        var folder = Path.IsPathRooted(nameOrFolder) ? nameOrFolder : SharedData.CaseFolder(nameOrFolder);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "case.json")));
        var root = doc.RootElement;
        var tol = root.GetProperty("tolerance");
        return new FixtureCase(nameOrFolder, folder, root.GetProperty("class").GetString()!,
            tol.GetProperty("abs").GetDouble(), tol.GetProperty("rel").GetDouble());
    }

    public ModelInputs Inputs() => ModelInputsJson.Load(Path.Combine(Folder, "inputs.json"));

    public Dictionary<string, HostTensor> Reference()
    {
        using var file = SafetensorsFile.Open(Path.Combine(Folder, "reference.safetensors"));
        return file.Keys.ToDictionary(k => k, k => new HostTensor(file.ReadFloat32(k).Shape, file.ReadFloat32(k).ToArray()));
    }

    public override string ToString() => Name;
}
