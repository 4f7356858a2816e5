using System.Buffers.Binary;
using Electra.Core.Errors;

namespace Electra.Vulkan.Spirv;

/// <summary>A SPIR-V module that a rewrite cannot read, named by its word offset.</summary>
public sealed class SpirvFormatException(string message) : BackendException(message);

/// <summary>One instruction: its opcode and all of its words, the first (word count and opcode) included.</summary>
internal sealed record SpirvInstruction(ushort Opcode, uint[] Words)
{
    public static SpirvInstruction Create(ushort opcode, params uint[] operands)
    {
        var words = new uint[operands.Length + 1];
        words[0] = (uint)words.Length << 16 | opcode;
        operands.CopyTo(words, 1);
        return new SpirvInstruction(opcode, words);
    }

    /// <summary>The operand words after the first word.</summary>
    public ReadOnlySpan<uint> Operands => Words.AsSpan(1);
}

/// <summary>
/// A SPIR-V module as a header and a flat list of instructions (SPIR-V spec §2.3 "Physical Layout"): enough structure
/// for a rewrite that renames opcodes and operands and adds ids, not a full IR.
/// </summary>
internal sealed class SpirvModule
{
    public const uint Magic = 0x07230203;

    /// <summary>Version, generator and schema words of the header (word 1, 2 and 4); the bound is <see cref="Bound"/>.</summary>
    public uint Version { get; }
    public uint Generator { get; }
    public uint Schema { get; }

    /// <summary>One more than the largest id in the module.</summary>
    public uint Bound { get; private set; }

    public List<SpirvInstruction> Instructions { get; }

    private SpirvModule(uint version, uint generator, uint bound, uint schema, List<SpirvInstruction> instructions)
    {
        (Version, Generator, Bound, Schema, Instructions) = (version, generator, bound, schema, instructions);
    }

    /// <summary>Reads a little-endian module (what glslc writes and Vulkan consumes).</summary>
    public static SpirvModule Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % 4 != 0 || bytes.Length < 20)
            throw new SpirvFormatException($"SPIR-V: {bytes.Length} bytes is not a module (a 5-word header, then whole 32-bit words)");
        var words = new uint[bytes.Length / 4];
        for (int i = 0; i < words.Length; i++) words[i] = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(4 * i)..]);
        if (words[0] != Magic)
            throw new SpirvFormatException($"SPIR-V: word 0 is 0x{words[0]:X8}, not the magic number 0x{Magic:X8} (or a big-endian module)");
        var instructions = new List<SpirvInstruction>();
        for (int at = 5; at < words.Length;)
        {
            int count = (int)(words[at] >> 16);
            if (count == 0 || at + count > words.Length)
                throw new SpirvFormatException($"SPIR-V: the instruction at word {at} claims {count} words; {words.Length - at} are left");
            instructions.Add(new SpirvInstruction((ushort)(words[at] & 0xFFFF), words[at..(at + count)]));
            at += count;
        }
        return new SpirvModule(words[1], words[2], words[3], words[4], instructions);
    }

    /// <summary>A fresh id (the bound grows by one).</summary>
    public uint NewId() => Bound++;

    public byte[] ToBytes()
    {
        int total = 5 + Instructions.Sum(i => i.Words.Length);
        var bytes = new byte[4 * total];
        uint[] header = [Magic, Version, Generator, Bound, Schema];
        int at = 0;
        foreach (uint w in header) { BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), w); at += 4; }
        foreach (var instruction in Instructions)
            foreach (uint w in instruction.Words) { BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), w); at += 4; }
        return bytes;
    }

    /// <summary>A literal string operand as SPIR-V encodes it: UTF-8, NUL-terminated, zero-padded to whole words.</summary>
    public static uint[] EncodeString(string value)
    {
        byte[] utf8 = System.Text.Encoding.UTF8.GetBytes(value);
        var words = new uint[utf8.Length / 4 + 1];
        for (int i = 0; i < utf8.Length; i++) words[i / 4] |= (uint)utf8[i] << (8 * (i % 4));
        return words;
    }

    public static string DecodeString(ReadOnlySpan<uint> words)
    {
        var bytes = new List<byte>();
        foreach (uint w in words)
            for (int b = 0; b < 4; b++)
            {
                byte c = (byte)(w >> (8 * b));
                if (c == 0) return System.Text.Encoding.UTF8.GetString([.. bytes]);
                bytes.Add(c);
            }
        return System.Text.Encoding.UTF8.GetString([.. bytes]);
    }
}
