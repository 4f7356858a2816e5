namespace Electra.Tests.Checkpoints;

/// <summary>A fresh folder under the system temp path, deleted on Dispose.</summary>
public sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("electra-ckpt-").FullName;

    public string File(string name, byte[] contents)
    {
        var path = System.IO.Path.Combine(Path, name);
        System.IO.File.WriteAllBytes(path, contents);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
