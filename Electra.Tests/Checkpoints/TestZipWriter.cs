using System.Buffers.Binary;
using System.Text;

namespace Electra.Tests.Checkpoints;

/// <summary>One zip entry for <see cref="TestZipWriter"/>; the Declared* fields let a test make the directory lie.</summary>
public sealed record TestZipEntry(string Name, byte[] Data)
{
    public long? DeclaredLength { get; init; }
    public long? DeclaredCompressedLength { get; init; }
    /// <summary>0 = stored, 8 = deflate (the data is written as given either way).</summary>
    public ushort Method { get; init; }
}

/// <summary>
/// A minimal zip writer written from the PKWARE APPNOTE (local headers, central directory, end record; stored
/// entries, CRC-32), independent of System.IO.Compression so that tests control every declared size.
/// </summary>
public static class TestZipWriter
{
    public static byte[] Write(IEnumerable<TestZipEntry> entries)
    {
        using var body = new MemoryStream();
        using var central = new MemoryStream();
        int count = 0;
        foreach (var e in entries)
        {
            var name = Encoding.UTF8.GetBytes(e.Name);
            uint crc = Crc32(e.Data);
            uint compressed = (uint)(e.DeclaredCompressedLength ?? e.DeclaredLength ?? e.Data.Length);
            uint length = (uint)(e.DeclaredLength ?? e.Data.Length);
            long localOffset = body.Position;

            Put32(body, 0x04034b50); Put16(body, 20); Put16(body, 0); Put16(body, e.Method);
            Put16(body, 0); Put16(body, 0x21); Put32(body, crc); Put32(body, compressed); Put32(body, length);
            Put16(body, (ushort)name.Length); Put16(body, 0); body.Write(name); body.Write(e.Data);

            Put32(central, 0x02014b50); Put16(central, 20); Put16(central, 20); Put16(central, 0); Put16(central, e.Method);
            Put16(central, 0); Put16(central, 0x21); Put32(central, crc); Put32(central, compressed); Put32(central, length);
            Put16(central, (ushort)name.Length); Put16(central, 0); Put16(central, 0); Put16(central, 0); Put16(central, 0);
            Put32(central, 0); Put32(central, (uint)localOffset); central.Write(name);
            count++;
        }
        long centralOffset = body.Position;
        central.Position = 0;
        central.CopyTo(body);
        Put32(body, 0x06054b50); Put16(body, 0); Put16(body, 0); Put16(body, (ushort)count); Put16(body, (ushort)count);
        Put32(body, (uint)central.Length); Put32(body, (uint)centralOffset); Put16(body, 0);
        return body.ToArray();
    }

    private static void Put16(Stream s, ushort v)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(b, v);
        s.Write(b);
    }

    private static void Put32(Stream s, uint v)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, v);
        s.Write(b);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }
}
