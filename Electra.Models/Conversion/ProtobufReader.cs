using Electra.Core.Errors;

namespace Electra.Models.Conversion;

/// <summary>One field of a protobuf message: its number, wire type, and value (varint / fixed bits) or payload range.</summary>
internal readonly record struct ProtobufField(int Number, int WireType, ulong Value, int Start, int Length)
{
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;
}

/// <summary>
/// The protobuf wire format, just enough to walk ONNX files: varints and length-delimited fields, every length
/// checked against its enclosing message so that a damaged file is a typed error naming the byte offset.
/// </summary>
internal static class ProtobufReader
{
    /// <summary>The fields of the message at bytes [start, end) of <paramref name="data"/>, in file order.</summary>
    /// <exception cref="CheckpointFormatException">a varint, length or wire type does not fit; names <paramref name="source"/> and the offset.</exception>
    public static List<ProtobufField> Fields(byte[] data, int start, int end, string source)
    {
        var fields = new List<ProtobufField>();
        int i = start;
        while (i < end)
        {
            int at = i;
            ulong key = ReadVarint(data, ref i, end, source);
            int number = (int)(key >> 3), wire = (int)(key & 7);
            if (number <= 0) throw Bad(source, at, $"field number {key >> 3}");
            switch (wire)
            {
                case ProtobufField.Varint:
                    fields.Add(new ProtobufField(number, wire, ReadVarint(data, ref i, end, source), at, 0));
                    break;
                case ProtobufField.LengthDelimited:
                {
                    ulong length = ReadVarint(data, ref i, end, source);
                    if (length > (ulong)(end - i)) throw Bad(source, at, $"field {number} of {length} bytes runs past its message (ends at {end})");
                    fields.Add(new ProtobufField(number, wire, 0, i, (int)length));
                    i += (int)length;
                    break;
                }
                case ProtobufField.Fixed32 or ProtobufField.Fixed64:
                {
                    int size = wire == ProtobufField.Fixed32 ? 4 : 8;
                    if (end - i < size) throw Bad(source, at, $"field {number} runs past its message");
                    ulong value = size == 4 ? BitConverter.ToUInt32(data, i) : BitConverter.ToUInt64(data, i);
                    fields.Add(new ProtobufField(number, wire, value, i, size));
                    i += size;
                    break;
                }
                default:
                    throw Bad(source, at, $"wire type {wire} of field {number}");
            }
        }
        return fields;
    }

    /// <summary>The values of a repeated varint field given either packed (one payload) or one field per value.</summary>
    public static IEnumerable<long> Varints(byte[] data, ProtobufField field, string source)
    {
        if (field.WireType == ProtobufField.Varint) return [(long)field.Value];
        if (field.WireType != ProtobufField.LengthDelimited) throw Bad(source, field.Start, $"field {field.Number} is not a varint");
        var values = new List<long>();
        int i = field.Start, end = field.Start + field.Length;
        while (i < end) values.Add((long)ReadVarint(data, ref i, end, source));
        return values;
    }

    public static string String(byte[] data, ProtobufField field) =>
        System.Text.Encoding.UTF8.GetString(data, field.Start, field.Length);

    private static ulong ReadVarint(byte[] data, ref int i, int end, string source)
    {
        int at = i;
        ulong result = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (i >= end) throw Bad(source, at, "a varint runs past its message");
            byte b = data[i++];
            result |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return result;
        }
        throw Bad(source, at, "a varint longer than 10 bytes");
    }

    private static CheckpointFormatException Bad(string source, int offset, string what) =>
        new(source, $"not a valid ONNX (protobuf) file at byte {offset}: {what}");
}
