using Electra.Core.Checkpoints;
using Electra.Core.Tensors;
using Electra.Models.Validation;
using Electra.Tests.Support;

namespace Electra.Tests.Validation;

/// <summary>A copy of a shared fixture in a temp folder whose reference.safetensors a test may alter. Deleted on Dispose.</summary>
public sealed class PerturbedReference : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("electra-validate-").FullName;

    public PerturbedReference(string caseName)
    {
        foreach (var file in Directory.GetFiles(SharedData.CaseFolder(caseName)))
            File.Copy(file, Path.Combine(Folder, Path.GetFileName(file)));
        Tensors = new Dictionary<string, HostTensor>(ReferenceCase.ReadTensors(Path.Combine(Folder, ReferenceCase.ReferenceFile)));
    }

    public Dictionary<string, HostTensor> Tensors { get; }

    /// <summary>Adds <paramref name="delta"/> to one element of a reference tensor and rewrites the file.</summary>
    public PerturbedReference Shift(string name, int flatIndex, float delta)
    {
        var values = Tensors[name].ToArray();
        values[flatIndex] += delta;
        Tensors[name] = Tensors[name] with { Data = values };
        return Save();
    }

    public PerturbedReference Remove(string name)
    {
        Assert.True(Tensors.Remove(name), $"the fixture has no tensor {name}");
        return Save();
    }

    public PerturbedReference Replace(string name, HostTensor tensor)
    {
        Tensors[name] = tensor;
        return Save();
    }

    public PerturbedReference WriteFile(string name, string text)
    {
        File.WriteAllText(Path.Combine(Folder, name), text);
        return this;
    }

    private PerturbedReference Save()
    {
        SafetensorsWriter.Write(Path.Combine(Folder, ReferenceCase.ReferenceFile), Tensors);
        return this;
    }

    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
    }
}
