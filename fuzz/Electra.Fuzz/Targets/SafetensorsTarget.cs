using System.Text;
using Electra.Core.Checkpoints;

namespace Electra.Fuzz;

/// <summary>SafetensorsFile.Open on the bytes, then every tensor read as float32 or int64.</summary>
public sealed class SafetensorsTarget : FuzzTarget
{
    private readonly string _path = ScratchFile("fuzz.safetensors");
    public override string Name => "safetensors";

    // Small synthetic files (every dtype, scalars, empty tensors, metadata) keep executions cheap; the smallest
    // fixture adds a real header with real key names.
    public override IEnumerable<byte[]> Seeds(string repoRoot)
    {
        yield return File.ReadAllBytes(Directory.EnumerateFiles(Shared(repoRoot, "fixtures"), "model.safetensors", SearchOption.AllDirectories)
            .OrderBy(p => new FileInfo(p).Length).ThenBy(p => p, StringComparer.Ordinal).First());
        yield return Raw("""{"__metadata__":{"format":"pt"},"a.weight":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},"b.bias":{"dtype":"F16","shape":[4],"data_offsets":[24,32]}}""", 32);
        yield return Raw("""{"x":{"dtype":"BF16","shape":[2,2],"data_offsets":[0,8]},"ids":{"dtype":"I64","shape":[3],"data_offsets":[8,32]},"m":{"dtype":"U8","shape":[5],"data_offsets":[32,37]},"f":{"dtype":"BOOL","shape":[1],"data_offsets":[37,38]}}""", 38);
        yield return Raw("""{"s":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"e":{"dtype":"F32","shape":[0,7],"data_offsets":[4,4]},"i":{"dtype":"I32","shape":[1,1],"data_offsets":[4,8]},"h":{"dtype":"I16","shape":[2],"data_offsets":[8,12]},"c":{"dtype":"I8","shape":[2],"data_offsets":[12,14]},"d":{"dtype":"F64","shape":[1],"data_offsets":[14,22]}}""", 22);
    }

    private static byte[] Raw(string header, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var data = new byte[dataBytes];
        new Random(dataBytes).NextBytes(data);
        return [.. BitConverter.GetBytes((long)h.Length), .. h, .. data];
    }

    // Edits the JSON header and rewrites the 8-byte length so the mutation reaches the header validation.
    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => data =>
    {
        if (data.Length < 8) return data;
        long n = BitConverter.ToInt64(data, 0);
        if (n < 2 || n > data.Length - 8) return data;
        var header = mutator.Json(data[8..(8 + (int)n)]);
        var body = data[(8 + (int)n)..];
        if (rng.Next(4) == 0) body = body[..rng.Next(body.Length + 1)];
        return [.. BitConverter.GetBytes((long)header.Length), .. header, .. body];
    };

    public override void Execute(byte[] input)
    {
        File.WriteAllBytes(_path, input);
        using var file = SafetensorsFile.Open(_path);
        foreach (var key in file.Keys)
        {
            var info = file.GetInfo(key);
            if (DTypeConversion.IsFloat(info.DType)) _ = file.ReadFloat32(key).ToArray();
            else _ = file.ReadInt64(key);
        }
    }
}
