using System.Buffers.Binary;
using Electra.Core.Errors;

namespace Electra.Core.Checkpoints;

/// <summary>Little-endian storage types → float32, bit-exact with torch's <c>.float()</c>.</summary>
public static class DTypeConversion
{
    /// <summary>Bytes per element of a storage dtype.</summary>
    public static int SizeOf(StorageDType dtype) => dtype switch
    {
        StorageDType.F64 or StorageDType.I64 => 8,
        StorageDType.F32 or StorageDType.I32 => 4,
        StorageDType.F16 or StorageDType.BF16 or StorageDType.I16 => 2,
        StorageDType.I8 or StorageDType.U8 or StorageDType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static bool IsFloat(StorageDType dtype) =>
        dtype is StorageDType.F32 or StorageDType.F16 or StorageDType.BF16 or StorageDType.F64;

    /// <summary>Parses a safetensors dtype name ("F32", "BF16", ...); null when unknown.</summary>
    public static StorageDType? ParseSafetensorsName(string name) => name switch
    {
        "F32" => StorageDType.F32,
        "F16" => StorageDType.F16,
        "BF16" => StorageDType.BF16,
        "F64" => StorageDType.F64,
        "I64" => StorageDType.I64,
        "I32" => StorageDType.I32,
        "I16" => StorageDType.I16,
        "I8" => StorageDType.I8,
        "U8" => StorageDType.U8,
        "BOOL" => StorageDType.Bool,
        _ => null,
    };

    /// <summary>
    /// Converts <paramref name="source"/> (little-endian elements of <paramref name="dtype"/>) to float32.
    /// F16 and BF16 widen exactly; F64 rounds to nearest like torch.
    /// </summary>
    /// <exception cref="ArgumentException">the destination length does not match.</exception>
    /// <exception cref="ElectraException">the dtype is not a floating-point type.</exception>
    public static void ToFloat32(StorageDType dtype, ReadOnlySpan<byte> source, Span<float> destination)
    {
        int size = SizeOf(dtype);
        if (source.Length != destination.Length * size)
            throw new ArgumentException($"{source.Length} bytes of {dtype} do not make {destination.Length} values");
        switch (dtype)
        {
            case StorageDType.F32:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(i * 4, 4));
                break;
            case StorageDType.F16:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * 2, 2)));
                break;
            case StorageDType.BF16:
                // bfloat16 is the top half of a float32, so widening is a shift.
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(source.Slice(i * 2, 2)) << 16);
                break;
            case StorageDType.F64:
                for (int i = 0; i < destination.Length; i++)
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(i * 8, 8));
                break;
            default:
                throw new ElectraException($"{dtype} tensors cannot be read as float32");
        }
    }
}
