using System.Text;
using Electra.Core.Checkpoints;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Tests.Support;

namespace Electra.Tests.Checkpoints;

/// <summary>The safetensors reader: a valid round trip, and every kind of broken header gives the typed error.</summary>
public sealed class SafetensorsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string WriteRaw(string header, byte[] data, long? declaredLength = null)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".safetensors");
        var json = Encoding.UTF8.GetBytes(header);
        using var s = File.Create(path);
        s.Write(BitConverter.GetBytes(declaredLength ?? json.Length));
        s.Write(json);
        s.Write(data);
        return path;
    }

    private static byte[] Floats(params float[] v) => v.SelectMany(BitConverter.GetBytes).ToArray();

    [Fact]
    public void Float32TensorsAreTheProcesssOwnMemoryNotViewsOfTheFile()
    {
        var path = WriteRaw("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}  """, Floats(1.5f, -2f));
        using var file = SafetensorsFile.Open(path);
        var t = file.ReadFloat32("t");
        Assert.Equal([1.5f, -2f], t.Span.ToArray());
        Assert.True(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(t.Data, out _));
    }

    [Fact]
    public void ReadsTheFixtureWeightsWithTheirShapes()
    {
        using var f = SafetensorsFile.Open(Path.Combine(SharedData.Fixture("model_proj_gelu"), "model.safetensors"));
        var info = f.GetInfo("embeddings.word_embeddings.weight");
        Assert.Equal(StorageDType.F32, info.DType);
        Assert.Equal([120L, 16L], info.Shape.ToArray());
        var t = f.ReadFloat32("embeddings.word_embeddings.weight");
        Assert.Equal(120 * 16, t.Span.Length);
        Assert.All(t.Span[..16].ToArray(), v => Assert.Equal(0f, v)); // row of pad_token_id 0 is zero, as transformers initialises it
    }

    [Fact]
    public void WriterOutputReadsBackIdentically()
    {
        var path = Path.Combine(_dir, "out.safetensors");
        var a = HostTensor.Create([1f, -2.5f, 3.25f, float.MaxValue, float.Epsilon, -0f], 2, 3);
        var b = HostTensor.Create([7f], 1);
        SafetensorsWriter.Write(path, new Dictionary<string, HostTensor> { ["b"] = b, ["a"] = a }, new Dictionary<string, string> { ["format"] = "pt" });
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(a.ToArray(), f.ReadFloat32("a").ToArray());
        Assert.Equal(b.ToArray(), f.ReadFloat32("b").ToArray());
        Assert.Equal("pt", f.Metadata["format"]);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void HalfPrecisionWidensExactly()
    {
        var halves = new[] { (Half)1.5f, (Half)(-0.000123f), Half.MaxValue, (Half)0.1f };
        var f16 = halves.SelectMany(h => BitConverter.GetBytes(BitConverter.HalfToUInt16Bits(h))).ToArray();
        var path = WriteRaw("""{"t":{"dtype":"F16","shape":[4],"data_offsets":[0,8]}}""", f16);
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(halves.Select(h => (float)h).ToArray(), f.ReadFloat32("t").ToArray());
    }

    [Fact]
    public void BFloat16WidensExactly()
    {
        var floats = new[] { 1.5f, -3.0e-8f, 3.0e38f, 0.1f };
        // bf16 = the top 16 bits of a float32; expected values are those bits shifted back, computed independently here.
        var bits = floats.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray();
        var expected = bits.Select(b => BitConverter.UInt32BitsToSingle((uint)b << 16)).ToArray();
        var path = WriteRaw("""{"t":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]}}""", bits.SelectMany(BitConverter.GetBytes).ToArray());
        using var f = SafetensorsFile.Open(path);
        Assert.Equal(expected, f.ReadFloat32("t").ToArray());
    }

    public static TheoryData<string, string, string> BrokenHeaders() => new()
    {
        { """{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}, "t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "duplicate key 't'", "dup" },
        { """{"t":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}""", "unknown dtype 'Q4'", "dtype" },
        { """{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}""", "outside the data section", "range" },
        { """{"t":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", "needs 12 bytes but data_offsets span 8", "size" },
        { """{"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", "not a non-negative integer", "negative" },
        { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "overlap", "overlap" },
        { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "belong to no tensor", "hole" },
        { """{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", "belong to no tensor", "tail" },
        { """{"t":{"dtype":"F32","shape":[2]}}""", "data_offsets must be [begin, end]", "nooffsets" },
        { """[1,2,3]""", "not a JSON object", "array" },
        { """{"t": """, "not valid JSON", "json" },
        { """{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", "overflows", "overflow" },
    };

    [Theory]
    [MemberData(nameof(BrokenHeaders))]
    public void BrokenHeaderIsATypedErrorNamingTheProblem(string header, string expectedMessage, string label)
    {
        var path = WriteRaw(header, Floats(1, 2));
        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains(expectedMessage, ex.Message);
        Assert.Contains(path, ex.Message);
        Assert.NotNull(label);
    }

    [Fact]
    public void InvalidUtf8HeaderIsRejected()
    {
        var path = Path.Combine(_dir, "utf8.safetensors");
        File.WriteAllBytes(path, BitConverter.GetBytes(4L).Concat(new byte[] { 0x7b, 0xff, 0xfe, 0x7d }).ToArray());
        Assert.Contains("not valid UTF-8", Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(path)).Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void TruncatedFileIsRejected(int length)
    {
        var path = Path.Combine(_dir, "short.safetensors");
        File.WriteAllBytes(path, new byte[length]);
        Assert.Contains("truncated", Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(path)).Message);
    }

    [Theory]
    [InlineData(1_000_000L)]
    [InlineData(200_000_000L)]
    [InlineData(-5L)]
    public void HeaderLengthBeyondFileOrLimitIsRejected(long declared)
    {
        var path = WriteRaw("""{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", Floats(1, 2), declared);
        Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(path));
    }

    [Fact]
    public void TruncatedFixtureFileIsRejectedNotCrashed()
    {
        var source = File.ReadAllBytes(Path.Combine(SharedData.Fixture("model_proj_gelu"), "model.safetensors"));
        var rng = new Random(7);
        for (int i = 0; i < 50; i++)
        {
            var path = Path.Combine(_dir, $"cut{i}.safetensors");
            File.WriteAllBytes(path, source[..rng.Next(0, source.Length - 1)]);
            Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(path));
        }
    }

    [Fact]
    public void MissingKeyNamesTheKey()
    {
        using var f = SafetensorsFile.Open(Path.Combine(SharedData.Fixture("model_proj_gelu"), "model.safetensors"));
        var ex = Assert.Throws<WeightMismatchException>(() => f.ReadFloat32("nope.weight"));
        Assert.Equal("nope.weight", ex.Key);
    }
}
