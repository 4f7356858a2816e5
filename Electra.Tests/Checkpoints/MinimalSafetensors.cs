using System.Buffers.Binary;
using System.Text.Json;

namespace Electra.Tests.Checkpoints;

/// <summary>Reads the F32 tensors of a safetensors file straight from the format (header length, JSON, raw data).</summary>
public static class MinimalSafetensors
{
    public static Dictionary<string, (int[] Shape, float[] Data)> ReadF32(string path)
    {
        var bytes = File.ReadAllBytes(path);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        int dataStart = 8 + (int)headerLength;
        var result = new Dictionary<string, (int[], float[])>();
        foreach (var p in header.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__") continue;
            Assert.Equal("F32", p.Value.GetProperty("dtype").GetString());
            var shape = p.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var offsets = p.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var data = new float[(offsets[1] - offsets[0]) / 4];
            for (int i = 0; i < data.Length; i++)
                data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(dataStart + offsets[0] + 4 * i));
            result[p.Name] = (shape, data);
        }
        return result;
    }
}
