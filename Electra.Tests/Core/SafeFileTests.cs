using System.Diagnostics;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Core.Files;

namespace Electra.Tests.Core;

/// <summary>
/// The bounded reader every loader uses: a hostile model folder may hold links to devices, FIFOs or huge files where
/// config.json or vocab.txt should be; each is refused by type or size before anything is read.
/// </summary>
public sealed class SafeFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-safefile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    internal static void MakeFifo(string path)
    {
        using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }

    [Fact]
    public void ARegularFileAndALinkToOneAreRead()
    {
        File.WriteAllText(P("blob"), "{\"a\":1}");
        File.CreateSymbolicLink(P("config.json"), P("blob"));
        Assert.Equal("{\"a\":1}", SafeFile.ReadAllText(P("blob"), 100, "config.json"));
        Assert.Equal("{\"a\":1}", SafeFile.ReadAllText(P("config.json"), 100, "config.json"));
    }

    [Fact]
    public void ALinkToDevZeroIsRefusedByType()
    {
        File.CreateSymbolicLink(P("config.json"), "/dev/zero");
        var ex = Assert.Throws<InputFileException>(() => SafeFile.ReadAllBytes(P("config.json"), SafeFile.MaxJsonBytes, "config.json"));
        Assert.Contains("is a device", ex.Message);
        Assert.Contains("/dev/zero", ex.Message);
        Assert.Equal(P("config.json"), ex.FilePath);
    }

    [Fact]
    public void AFifoIsRefusedWithoutBlocking()
    {
        // Opening a FIFO with no writer blocks forever; the check happens before any open, so this returns at once.
        MakeFifo(P("config.json"));
        var ex = Assert.Throws<InputFileException>(() => SafeFile.ReadAllBytes(P("config.json"), 100, "config.json"));
        Assert.Contains("FIFO", ex.Message);
        Assert.Throws<InputFileException>(() => SafeFile.RequireRegularFile(P("config.json"), "the checkpoint"));
    }

    [Fact]
    public void AFileOverTheLimitIsRefusedBeforeReading()
    {
        // Sparse: 64 MiB + 1 byte of length, no data blocks; refused from its length alone.
        using (var f = File.Create(P("big.json"))) f.SetLength(SafeFile.MaxJsonBytes + 1);
        var ex = Assert.Throws<InputFileException>(() => SafeFile.ReadAllBytes(P("big.json"), SafeFile.MaxJsonBytes, "config.json"));
        Assert.Contains("67,108,865 bytes", ex.Message);
        Assert.Contains("limit", ex.Message);
    }

    [Fact]
    public void MissingDirectoryAndInvalidUtf8AreNamed()
    {
        Assert.Contains("not found", Assert.Throws<InputFileException>(() => SafeFile.ReadAllBytes(P("none"), 10, "x")).Message);
        Assert.Contains("directory", Assert.Throws<InputFileException>(() => SafeFile.ReadAllBytes(_dir, 10, "x")).Message);
        File.WriteAllBytes(P("bad"), [(byte)'a', 0xFF]);
        Assert.Contains("byte 1", Assert.Throws<InputFileException>(() => SafeFile.ReadAllText(P("bad"), 10, "x")).Message);
    }

    [Fact]
    public void ABrokenLinkIsMissing()
    {
        File.CreateSymbolicLink(P("config.json"), P("nowhere"));
        Assert.Contains("not found", Assert.Throws<InputFileException>(() => SafeFile.RequireRegularFile(P("config.json"), "x")).Message);
    }

    // The row: config.json a link to /dev/zero read until out of memory, a FIFO hung the process.
    [Fact]
    public void ConfigJsonThatIsADeviceOrAFifoIsAConfigException()
    {
        var model = Directory.CreateDirectory(P("model")).FullName;
        File.CreateSymbolicLink(Path.Combine(model, "config.json"), "/dev/zero");
        Assert.Contains("device", Assert.Throws<ConfigException>(() => ElectraConfigJson.Load(model)).Message);
        File.Delete(Path.Combine(model, "config.json"));
        MakeFifo(Path.Combine(model, "config.json"));
        Assert.Contains("FIFO", Assert.Throws<ConfigException>(() => ElectraConfigJson.Load(model)).Message);
    }
}
