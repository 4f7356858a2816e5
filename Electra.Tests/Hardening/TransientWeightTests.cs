using System.Buffers.Binary;
using System.Text;
using Electra.Core.Checkpoints;
using Electra.Core.Checkpoints.PyTorch;
using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Checkpoints;
using Electra.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Hardening;

/// <summary>
/// Weights a backend copies (linears it packs or uploads) are read from the file one at a time into memory freed as
/// soon as the copy is made, so loading holds the weights once, not the file's copy beside the packed one.
/// </summary>
public sealed class TransientWeightTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-transient-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Counted, not timed: every byte the load allocates on this thread (a one-thread backend packs on the caller).
    // The kept weights are the embedding tables and LayerNorm vectors (used in place) and the packed linears, about
    // the file's size; reading each linear into a managed array as well made it 1.7 times the file.
    [Fact]
    public void LoadingAllocatesAboutTheWeightsOnceNotTheFileBesideThePackedCopy()
    {
        var folder = Path.Combine(SharedData.Models, "electra-small-random");
        long fileBytes = new FileInfo(Path.Combine(folder, "model.safetensors")).Length;
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 1));
        _ = ElectraPretrained.Load(folder, backend);   // first load: one-time runtime and type initialisation
        using var again = new CpuBackend(new CpuBackendOptions(Threads: 1));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var model = ElectraPretrained.Load(folder, again);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < fileBytes * 1.1,
            $"loading allocated {allocated:N0} bytes for a {fileBytes:N0}-byte checkpoint (limit 1.1x)");
        Assert.Equal(model.Report.ParameterCount * 4, fileBytes - HeaderBytes(Path.Combine(folder, "model.safetensors")));
    }

    private static long HeaderBytes(string path)
    {
        Span<byte> length = stackalloc byte[8];
        using var s = File.OpenRead(path);
        s.ReadExactly(length);
        return 8 + BinaryPrimitives.ReadInt64LittleEndian(length);
    }

    [Fact]
    public void ATransientTensorKeptPastItsReadFailsLoudlyInsteadOfReadingFreedMemory()
    {
        var path = Write("t", "F32", [3], Floats(1f, 2f, 3f));
        using var file = SafetensorsFile.Open(path);
        var kept = file.WithFloat32("t", t => t);
        Assert.Throws<ObjectDisposedException>(() => kept.Span.ToArray());
    }

    [Fact]
    public void TheInterfaceDefaultHandsOverTheOwnedRead()
    {
        IWeightSource weights = new InMemoryWeights(new Dictionary<string, Electra.Core.Tensors.HostTensor>
        {
            ["w"] = Electra.Core.Tensors.HostTensor.Create([1f, 2f], 2),
        });
        Assert.Equal([1f, 2f], weights.WithFloat32("w", t => t.ToArray()));
    }

    public enum Dtype { F32, F16, BF16, F64 }

    // Values decoded from the bytes with the format's definitions (HalfPrecisionReference), not with the reader.
    [Property(MaxTest = 60)]
    public Property TransientAndOwnedReadsGiveTheFilesValuesInEveryFloatDtype(Dtype dtype, PositiveInt countSeed, int seed)
    {
        int count = countSeed.Get % 300;
        var random = new Random(seed);
        int size = dtype switch { Dtype.F32 => 4, Dtype.F64 => 8, _ => 2 };
        var bytes = new byte[count * size];
        random.NextBytes(bytes);
        var expected = new float[count];
        for (int i = 0; i < count; i++)
        {
            var at = bytes.AsSpan(i * size);
            expected[i] = dtype switch
            {
                Dtype.F32 => BinaryPrimitives.ReadSingleLittleEndian(at),
                Dtype.F64 => (float)BinaryPrimitives.ReadDoubleLittleEndian(at),
                Dtype.F16 => HalfPrecisionReference.Half(BinaryPrimitives.ReadUInt16LittleEndian(at)),
                _ => HalfPrecisionReference.BFloat16(BinaryPrimitives.ReadUInt16LittleEndian(at)),
            };
        }
        var path = Write("x", dtype.ToString(), [count], bytes);
        using var file = SafetensorsFile.Open(path);
        var transient = file.WithFloat32("x", t => t.ToArray());
        var owned = file.ReadFloat32("x").ToArray();
        File.Delete(path);
        return (BitsEqual(expected, transient) && BitsEqual(expected, owned)).Label($"{dtype}, {count} values");
    }

    // Bit for bit (so -0 and subnormals count); a NaN matches any NaN, its payload being unspecified across dtypes.
    private static bool BitsEqual(float[] a, float[] b) =>
        a.Length == b.Length && a.Zip(b).All(p => float.IsNaN(p.First) ? float.IsNaN(p.Second)
            : BitConverter.SingleToInt32Bits(p.First) == BitConverter.SingleToInt32Bits(p.Second));

    [Fact]
    public void TheBinReaderHandsOverTheSameValuesTransiently()
    {
        var path = Directory.EnumerateFiles(SharedData.Fixtures, "pytorch_model.bin", SearchOption.AllDirectories).First();
        using var checkpoint = PyTorchBinCheckpoint.Open(path);
        foreach (var key in checkpoint.Keys.Where(k => DTypeConversion.IsFloat(checkpoint.GetInfo(k).DType)))
            Assert.Equal(checkpoint.ReadFloat32(key).ToArray(), checkpoint.WithFloat32(key, t => t.ToArray()));
    }

    [Fact]
    public void AFileCutBeforeATransientReadIsATypedError()
    {
        var path = Write("t", "F32", [1000], new byte[4000]);
        using var file = SafetensorsFile.Open(path);
        using (var f = new FileStream(path, FileMode.Open, FileAccess.Write)) f.SetLength(100);
        var ex = Assert.Throws<CheckpointFormatException>(() => file.WithFloat32("t", t => t.ToArray()));
        Assert.Contains("cut while in use", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    private string Write(string key, string dtype, int[] shape, byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(
            $$$"""{"{{{key}}}":{"dtype":"{{{dtype}}}","shape":[{{{string.Join(",", shape)}}}],"data_offsets":[0,{{{data.Length}}}]}}""");
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".safetensors");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((long)header.Length), .. header, .. data]);
        return path;
    }

    private static byte[] Floats(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();
}
