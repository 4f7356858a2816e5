using System.Text;
using Electra.Core.Checkpoints;
using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Hardening;

/// <summary>
/// Checkpoint files that someone else changes while a model uses them. A memory-mapped model died of SIGBUS when its
/// file was truncated and silently changed its answers when the file was rewritten in place; a loaded model now owns
/// every weight, and a file cut while it is read is a typed error.
/// </summary>
public sealed class LiveCheckpointFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-live-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string CopyFixture(string name)
    {
        var target = Directory.CreateDirectory(Path.Combine(_dir, name)).FullName;
        foreach (var f in Directory.EnumerateFiles(SharedData.Fixture(name)))
            File.Copy(f, Path.Combine(target, Path.GetFileName(f)));
        foreach (var f in Directory.EnumerateFiles(target)) File.SetAttributes(f, FileAttributes.Normal);
        return target;
    }

    private static float[] Logits(ElectraPretrained model) =>
        model.Forward(ModelInputs.FromIds([[1, 5, 7, 9, 2], [1, 3, 4, 2, 0]])).Tensors["logits"].ToArray();

    [Fact]
    public void TruncatingTheFileUnderALoadedModelChangesNothing()
    {
        var folder = CopyFixture("pretraining_gelu");
        using var backend = new CpuBackend();
        var model = ElectraPretrained.Load(folder, backend);
        var before = Logits(model);
        using (var f = new FileStream(Path.Combine(folder, "model.safetensors"), FileMode.Open, FileAccess.Write)) f.SetLength(16);
        GC.Collect();
        Assert.Equal(before, Logits(model));
    }

    [Fact]
    public void RewritingTheFileInPlaceUnderALoadedModelChangesNothing()
    {
        var folder = CopyFixture("pretraining_gelu");
        var path = Path.Combine(folder, "model.safetensors");
        using var backend = new CpuBackend();
        var model = ElectraPretrained.Load(folder, backend);
        var before = Logits(model);
        // Same length, same header, every data byte changed: a view of the file would now read other weights.
        long dataStart;
        using (var s = File.OpenRead(path))
        {
            var len = new byte[8];
            s.ReadExactly(len);
            dataStart = 8 + BitConverter.ToInt64(len);
        }
        using (var s = new FileStream(path, FileMode.Open, FileAccess.ReadWrite))
        {
            s.Position = dataStart;
            var garbage = new byte[s.Length - dataStart];
            new Random(1).NextBytes(garbage);
            s.Write(garbage);
        }
        Assert.Equal(before, Logits(model));
        // The file really changed: loading it again gives other answers.
        using var again = new CpuBackend();
        Assert.NotEqual(before, Logits(ElectraPretrained.Load(folder, again)));
    }

    [Fact]
    public void AFileCutAfterItWasOpenedIsATypedErrorNotSigbus()
    {
        var folder = CopyFixture("pretraining_gelu");
        var path = Path.Combine(folder, "model.safetensors");
        using var file = SafetensorsFile.Open(path);
        var largest = file.Keys.OrderByDescending(k => file.GetInfo(k).ElementCount).First();
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Write)) f.SetLength(new FileInfo(path).Length / 2);
        var ex = Assert.Throws<CheckpointFormatException>(() => { foreach (var k in file.Keys) file.ReadFloat32(k); });
        Assert.Contains("cut while in use", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    // The row: an F64 tensor over 2 GiB in a sparse file of a few KB threw OverflowException after
    // allocating its float array. It is now read in slices (the values are the file's: zeros).
    [Fact]
    public void ANonF32TensorOver2GiBIsReadInSlices()
    {
        const long count = 270_000_000; // 2.16 GB of F64
        var header = Encoding.UTF8.GetBytes($$$"""{"big":{"dtype":"F64","shape":[{{{count}}}],"data_offsets":[0,{{{count * 8}}}]}}""");
        var path = Path.Combine(_dir, "big.safetensors");
        using (var s = File.Create(path))
        {
            s.Write(BitConverter.GetBytes((long)header.Length));
            s.Write(header);
            s.SetLength(8 + header.Length + count * 8);
        }
        using var file = SafetensorsFile.Open(path);
        var t = file.ReadFloat32("big");
        Assert.Equal(count, t.Span.Length);
        Assert.True(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(t.Span) == 0f);
    }
}
