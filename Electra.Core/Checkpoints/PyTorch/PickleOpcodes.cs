using System.Collections.Frozen;

namespace Electra.Core.Checkpoints.PyTorch;

/// <summary>Pickle opcode bytes (CPython Lib/pickle.py) and their names, for the interpreter and its error messages.</summary>
internal static class PickleOpcodes
{
    public const byte Mark = (byte)'(', Stop = (byte)'.', Pop = (byte)'0', PopMark = (byte)'1', Dup = (byte)'2';
    public const byte BinFloat = (byte)'G', BinInt = (byte)'J', BinInt1 = (byte)'K', BinInt2 = (byte)'M';
    public const byte None = (byte)'N', BinPersId = (byte)'Q', Reduce = (byte)'R';
    public const byte BinString = (byte)'T', ShortBinString = (byte)'U', BinUnicode = (byte)'X';
    public const byte Append = (byte)'a', Build = (byte)'b', Global = (byte)'c', Dict = (byte)'d';
    public const byte EmptyDict = (byte)'}', Appends = (byte)'e', BinGet = (byte)'h', LongBinGet = (byte)'j';
    public const byte List = (byte)'l', EmptyList = (byte)']', BinPut = (byte)'q', LongBinPut = (byte)'r';
    public const byte SetItem = (byte)'s', Tuple = (byte)'t', EmptyTuple = (byte)')', SetItems = (byte)'u';
    public const byte BinBytes = (byte)'B', ShortBinBytes = (byte)'C';
    public const byte Proto = 0x80, Tuple1 = 0x85, Tuple2 = 0x86, Tuple3 = 0x87, NewTrue = 0x88, NewFalse = 0x89;
    public const byte Long1 = 0x8a, ShortBinUnicode = 0x8c, BinUnicode8 = 0x8d, BinBytes8 = 0x8e;
    public const byte StackGlobal = 0x93, Memoize = 0x94, Frame = 0x95;

    private static readonly FrozenDictionary<byte, string> Names = new Dictionary<byte, string>
    {
        [Mark] = "MARK", [Stop] = "STOP", [Pop] = "POP", [PopMark] = "POP_MARK", [Dup] = "DUP",
        [(byte)'F'] = "FLOAT", [(byte)'I'] = "INT", [BinInt] = "BININT", [BinInt1] = "BININT1", [(byte)'L'] = "LONG",
        [BinInt2] = "BININT2", [None] = "NONE", [(byte)'P'] = "PERSID", [BinPersId] = "BINPERSID", [Reduce] = "REDUCE",
        [(byte)'S'] = "STRING", [BinString] = "BINSTRING", [ShortBinString] = "SHORT_BINSTRING",
        [(byte)'V'] = "UNICODE", [BinUnicode] = "BINUNICODE", [Append] = "APPEND", [Build] = "BUILD",
        [Global] = "GLOBAL", [Dict] = "DICT", [EmptyDict] = "EMPTY_DICT", [Appends] = "APPENDS", [(byte)'g'] = "GET",
        [BinGet] = "BINGET", [(byte)'i'] = "INST", [LongBinGet] = "LONG_BINGET", [List] = "LIST",
        [EmptyList] = "EMPTY_LIST", [(byte)'o'] = "OBJ", [(byte)'p'] = "PUT", [BinPut] = "BINPUT",
        [LongBinPut] = "LONG_BINPUT", [SetItem] = "SETITEM", [Tuple] = "TUPLE", [EmptyTuple] = "EMPTY_TUPLE",
        [SetItems] = "SETITEMS", [BinFloat] = "BINFLOAT", [Proto] = "PROTO", [0x81] = "NEWOBJ", [0x82] = "EXT1",
        [0x83] = "EXT2", [0x84] = "EXT4", [Tuple1] = "TUPLE1", [Tuple2] = "TUPLE2", [Tuple3] = "TUPLE3",
        [NewTrue] = "NEWTRUE", [NewFalse] = "NEWFALSE", [Long1] = "LONG1", [0x8b] = "LONG4",
        [BinBytes] = "BINBYTES", [ShortBinBytes] = "SHORT_BINBYTES", [ShortBinUnicode] = "SHORT_BINUNICODE",
        [BinUnicode8] = "BINUNICODE8", [BinBytes8] = "BINBYTES8", [0x8f] = "EMPTY_SET", [0x90] = "ADDITEMS",
        [0x91] = "FROZENSET", [0x92] = "NEWOBJ_EX", [StackGlobal] = "STACK_GLOBAL", [Memoize] = "MEMOIZE",
        [Frame] = "FRAME", [0x96] = "BYTEARRAY8", [0x97] = "NEXT_BUFFER", [0x98] = "READONLY_BUFFER",
    }.ToFrozenDictionary();

    /// <summary>"REDUCE (0x52 'R')" or "unknown opcode 0xFF".</summary>
    public static string Describe(byte op)
    {
        string hex = $"0x{op:X2}";
        string shown = op is >= 0x20 and < 0x7f ? $"{hex} '{(char)op}'" : hex;
        return Names.TryGetValue(op, out var name) ? $"{name} ({shown})" : $"unknown opcode {shown}";
    }
}
