using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Text;
using Electra.Core.Errors;
using Op = Electra.Core.Checkpoints.PyTorch.PickleOpcodes;

namespace Electra.Core.Checkpoints.PyTorch;

/// <summary>
/// A pickle interpreter for the subset of opcodes that <c>torch.save(state_dict)</c> writes (protocols 2 to 5).
/// It builds plain values only: GLOBAL records a name after checking it against <see cref="StateDictGlobals"/>,
/// REDUCE and BINPERSID are interpreted by our own code, and every other opcode is an error. Size, memo, stack,
/// mark and nesting limits bound the work a hostile file can cause.
/// </summary>
internal sealed class SafeUnpickler
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    private readonly byte[] _data;
    private readonly string _filePath;
    private readonly PickleLimits _limits;
    private readonly List<object> _stack = new();
    private readonly List<int> _marks = new();
    private readonly Dictionary<long, object> _memo = new(PickleKeyComparer.Instance);
    private int _pos;
    private int _opStart;

    private SafeUnpickler(byte[] data, string filePath, PickleLimits limits)
    {
        _data = data;
        _filePath = filePath;
        _limits = limits;
    }

    /// <summary>Interprets <paramref name="pickle"/> and returns the value STOP leaves on the stack.</summary>
    /// <exception cref="UnsafePickleException">a global outside the allow-list.</exception>
    /// <exception cref="PickleFormatException">malformed, truncated, unsupported or over a limit.</exception>
    public static object Load(byte[] pickle, string filePath, PickleLimits limits)
    {
        if (pickle.LongLength > limits.MaxPickleBytes)
            throw new PickleFormatException(filePath, 0,
                $"pickle is {pickle.LongLength} bytes, more than the limit of {limits.MaxPickleBytes}");
        return new SafeUnpickler(pickle, filePath, limits).Run();
    }

    private object Run()
    {
        while (true)
        {
            _opStart = _pos;
            byte op = ReadByte();
            try
            {
                if (op == Op.Stop)
                {
                    if (_marks.Count != 0) throw Fail("STOP with an unclosed MARK");
                    return Pop();
                }
                Execute(op);
            }
            catch (InvalidPickleValueException e)
            {
                throw Fail($"{Op.Describe(op)}: {e.Message}");
            }
            if (_stack.Count > _limits.MaxStackDepth)
                throw Fail($"stack holds more than {_limits.MaxStackDepth} values");
        }
    }

    private void Execute(byte op)
    {
        switch (op)
        {
            case Op.Proto:
                byte version = ReadByte();
                if (version > 5) throw Fail($"pickle protocol {version} is newer than 5");
                break;
            case Op.Frame:
                ulong frameLength = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
                if (frameLength > (ulong)(_data.Length - _pos)) throw Fail($"FRAME of {frameLength} bytes runs past the end");
                break;
            case Op.Mark:
                if (_marks.Count >= _limits.MaxMarkDepth) throw Fail($"more than {_limits.MaxMarkDepth} nested MARKs");
                _marks.Add(_stack.Count);
                break;
            case Op.Pop: Pop(); break;
            case Op.PopMark: PopToMark(); break;
            case Op.Dup: Push(Peek()); break;
            case Op.None: Push(PickleNone.Value); break;
            case Op.NewTrue: Push(true); break;
            case Op.NewFalse: Push(false); break;
            case Op.BinInt: Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
            case Op.BinInt1: Push((long)ReadByte()); break;
            case Op.BinInt2: Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
            case Op.Long1: Push(ReadLong1()); break;
            case Op.BinFloat: Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
            case Op.ShortBinUnicode: Push(Utf8(Take(ReadByte()))); break;
            case Op.BinUnicode: Push(Utf8(Take(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))))); break;
            case Op.BinUnicode8: Push(Utf8(Take(BinaryPrimitives.ReadUInt64LittleEndian(Take(8))))); break;
            case Op.ShortBinString: Push(Encoding.Latin1.GetString(Take(ReadByte()))); break;
            case Op.BinString: Push(Encoding.Latin1.GetString(Take(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))))); break;
            case Op.ShortBinBytes: Push(Take(ReadByte()).ToArray()); break;
            case Op.BinBytes: Push(Take(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))).ToArray()); break;
            case Op.BinBytes8: Push(Take(BinaryPrimitives.ReadUInt64LittleEndian(Take(8))).ToArray()); break;
            case Op.EmptyTuple: Push(NewTuple(ImmutableArray<object>.Empty)); break;
            case Op.Tuple1: Push(NewTuple(PopN(1))); break;
            case Op.Tuple2: Push(NewTuple(PopN(2))); break;
            case Op.Tuple3: Push(NewTuple(PopN(3))); break;
            case Op.Tuple: Push(NewTuple(PopToMark())); break;
            case Op.EmptyList: Push(new PickleList()); break;
            case Op.List:
                var list = new PickleList();
                foreach (var item in PopToMark()) list.Add(item);
                Push(CheckNesting(list));
                break;
            case Op.Append:
                var appended = Pop();
                CheckNesting(AddToList(Peek(), appended));
                break;
            case Op.Appends:
                var items = PopToMark();
                var target = Peek();
                foreach (var item in items) AddToList(target, item);
                CheckNesting(target);
                break;
            case Op.EmptyDict: Push(new PickleDict()); break;
            case Op.Dict:
                var dict = new PickleDict();
                SetPairs(dict, PopToMark());
                Push(CheckNesting(dict));
                break;
            case Op.SetItem:
                var value = Pop();
                var key = Pop();
                CheckNesting(SetPairs(Peek(), ImmutableArray.Create(key, value)));
                break;
            case Op.SetItems:
                var pairs = PopToMark();
                CheckNesting(SetPairs(Peek(), pairs));
                break;
            case Op.BinPut: Memoize(ReadByte()); break;
            case Op.LongBinPut: Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))); break;
            case Op.Memoize: Memoize(_memo.Count); break;
            case Op.BinGet: Push(Recall(ReadByte())); break;
            case Op.LongBinGet: Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break;
            case Op.Global:
                string module = ReadLine();
                string name = ReadLine();
                Push(CheckedGlobal(module, name));
                break;
            case Op.StackGlobal:
                var globalName = Pop();
                var globalModule = Pop();
                if (globalModule is not string m || globalName is not string n)
                    throw Fail("STACK_GLOBAL needs two strings");
                Push(CheckedGlobal(m, n));
                break;
            case Op.BinPersId: Push(StateDictGlobals.PersistentLoad(Pop())); break;
            case Op.Reduce:
                var args = Pop();
                var callable = Pop();
                if (callable is not PickleGlobal global) throw Fail($"REDUCE on {PickleValue.Describe(callable)}");
                if (args is not PickleTuple argTuple) throw Fail($"REDUCE with arguments {PickleValue.Describe(args)}");
                Push(StateDictGlobals.Reduce(global, argTuple));
                break;
            case Op.Build:
                var state = Pop();
                var built = Peek();
                // OrderedDict state carries transformers' _metadata (module versions), tensors may carry
                // attributes; neither affects the weights, so the state is checked for shape and dropped.
                if (built is not (PickleDict or TensorRef) || state is not (PickleDict or PickleTuple or PickleNone))
                    throw Fail($"BUILD of {PickleValue.Describe(built)} with {PickleValue.Describe(state)}");
                break;
            default:
                throw Fail($"{Op.Describe(op)} is not used by PyTorch state dicts and is refused");
        }
    }

    private PickleGlobal CheckedGlobal(string module, string name)
    {
        if (!StateDictGlobals.IsAllowed(module, name))
            throw new UnsafePickleException(_filePath, $"{module}.{name}", _opStart);
        return new PickleGlobal(module, name);
    }

    private object NewTuple(ImmutableArray<object> items) => CheckNesting(new PickleTuple(items));

    private object CheckNesting(object value)
    {
        // DeepestChanged covers the ancestors of a container that grew after it was placed inside them.
        int depth = value is PickleContainer c ? Math.Max(c.Depth, c.DeepestChanged) : 0;
        if (depth > _limits.MaxNesting)
            throw Fail($"values nest more than {_limits.MaxNesting} levels deep");
        return value;
    }

    private static object AddToList(object target, object item)
    {
        if (target is not PickleList list)
            throw new InvalidPickleValueException($"cannot append to {PickleValue.Describe(target)}");
        list.Add(item);
        return list;
    }

    private static object SetPairs(object target, ImmutableArray<object> flat)
    {
        if (target is not PickleDict dict)
            throw new InvalidPickleValueException($"cannot set items on {PickleValue.Describe(target)}");
        if (flat.Length % 2 != 0)
            throw new InvalidPickleValueException($"odd number of values ({flat.Length}) for key/value pairs");
        for (int i = 0; i < flat.Length; i += 2) dict.Set(flat[i], flat[i + 1]);
        return dict;
    }

    private void Memoize(long index)
    {
        if (!_memo.ContainsKey(index) && _memo.Count >= _limits.MaxMemoEntries)
            throw Fail($"memo holds more than {_limits.MaxMemoEntries} entries");
        _memo[index] = Peek();
    }

    private object Recall(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw Fail($"memo index {index} was never stored");

    private long ReadLong1()
    {
        var bytes = Take(ReadByte());
        if (bytes.Length > 8) throw Fail($"LONG1 of {bytes.Length} bytes does not fit 64 bits");
        if (bytes.Length == 0) return 0;
        // Little-endian two's complement: sign-extend from the last byte.
        long value = (sbyte)bytes[^1];
        for (int i = bytes.Length - 2; i >= 0; i--) value = (value << 8) | bytes[i];
        return value;
    }

    private string Utf8(ReadOnlySpan<byte> bytes)
    {
        try { return StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw Fail("string is not valid UTF-8"); }
    }

    private string ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos, Math.Min(256, _data.Length - _pos));
        if (end < 0) throw Fail("GLOBAL name is not terminated by a newline within 256 bytes");
        string line = Encoding.ASCII.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return line;
    }

    private byte ReadByte()
    {
        if (_pos >= _data.Length) throw Fail("pickle ends without STOP");
        return _data[_pos++];
    }

    private ReadOnlySpan<byte> Take(ulong count)
    {
        if (count > (ulong)_limits.MaxStringBytes && count > 8)
            throw Fail($"value of {count} bytes exceeds the limit of {_limits.MaxStringBytes}");
        if (count > (ulong)(_data.Length - _pos))
            throw Fail($"needs {count} bytes but only {_data.Length - _pos} remain (truncated pickle)");
        var span = _data.AsSpan(_pos, (int)count);
        _pos += (int)count;
        return span;
    }

    private void Push(object value) => _stack.Add(value);

    private object Peek() => _stack.Count > StackFloor ? _stack[^1] : throw Fail("stack underflow");

    private object Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private ImmutableArray<object> PopN(int count)
    {
        if (_stack.Count - StackFloor < count) throw Fail("stack underflow");
        var items = _stack.GetRange(_stack.Count - count, count).ToImmutableArray();
        _stack.RemoveRange(_stack.Count - count, count);
        return items;
    }

    private ImmutableArray<object> PopToMark()
    {
        if (_marks.Count == 0) throw Fail("no MARK to pop to");
        int start = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(start, _stack.Count - start).ToImmutableArray();
        _stack.RemoveRange(start, _stack.Count - start);
        return items;
    }

    // Values below the innermost MARK belong to an enclosing construct; Python's unpickler hides them the same way.
    private int StackFloor => _marks.Count == 0 ? 0 : _marks[^1];

    private PickleFormatException Fail(string message) => new(_filePath, _opStart, message);
}
