using System.Buffers.Binary;
using System.Text;

namespace Electra.Tests.Checkpoints;

/// <summary>Hand-assembles pickle opcodes (CPython Lib/pickle.py, protocol 2 and 4 forms) for tests.</summary>
public sealed class PickleBytes
{
    private readonly MemoryStream _out = new();

    public PickleBytes Op(params byte[] bytes) { _out.Write(bytes); return this; }
    public PickleBytes Proto(byte version) => Op(0x80, version);
    public PickleBytes Mark() => Op((byte)'(');
    public PickleBytes Stop() => Op((byte)'.');
    public PickleBytes Global(string module, string name) => Op((byte)'c').Op(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    public PickleBytes StackGlobal(string module, string name) => Str8(module).Str8(name).Op(0x93);
    public PickleBytes Str(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        var len = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)b.Length);
        return Op((byte)'X').Op(len).Op(b);
    }
    public PickleBytes Str8(string s)
    {
        var b = Encoding.UTF8.GetBytes(s);
        return Op(0x8c, (byte)b.Length).Op(b);
    }
    public PickleBytes Int(long v)
    {
        if (v is >= 0 and < 256) return Op((byte)'K', (byte)v);
        if (v is >= int.MinValue and <= int.MaxValue)
        {
            var b = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
            return Op((byte)'J').Op(b);
        }
        var l = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(l, v);
        return Op(0x8a, 8).Op(l);
    }
    public PickleBytes IntTuple(IReadOnlyList<long> values)
    {
        Mark();
        foreach (var v in values) Int(v);
        return Op((byte)'t');
    }
    public PickleBytes False() => Op(0x89);
    public PickleBytes EmptyTuple() => Op((byte)')');
    public PickleBytes EmptyDict() => Op((byte)'}');
    public PickleBytes Tuple() => Op((byte)'t');
    public PickleBytes Reduce() => Op((byte)'R');
    public PickleBytes BinPersId() => Op((byte)'Q');
    public PickleBytes SetItems() => Op((byte)'u');
    public PickleBytes Build() => Op((byte)'b');
    public PickleBytes BinPut(byte index) => Op((byte)'q', index);
    public PickleBytes BinGet(byte index) => Op((byte)'h', index);

    public byte[] ToArray() => _out.ToArray();
}
