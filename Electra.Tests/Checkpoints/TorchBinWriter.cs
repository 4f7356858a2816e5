namespace Electra.Tests.Checkpoints;

/// <summary>One tensor of a test state dict: a strided view of a storage, as torch describes it.</summary>
public sealed record BinTensor(string Key, string StorageType, string StorageKey, byte[] StorageBytes, long Numel,
    long Offset, long[] Size, long[] Stride);

/// <summary>How the test pickle is phrased (the forms real torch.save files use).</summary>
public enum PickleStyle
{
    /// <summary>torch 1.13's torch.save(dict): protocol 2, plain dict, GLOBAL.</summary>
    PlainDict,
    /// <summary>model.state_dict(): an OrderedDict whose _metadata arrives through BUILD.</summary>
    OrderedDictWithMetadata,
    /// <summary>Protocol 4 with FRAME, STACK_GLOBAL and MEMOIZE, tensors wrapped as nn.Parameter via _rebuild_from_type_v2.</summary>
    Protocol4Parameters,
}

/// <summary>
/// A minimal torch.save writer for tests, written from the format description (zip with
/// <c>&lt;prefix&gt;/data.pkl</c> and <c>&lt;prefix&gt;/data/&lt;key&gt;</c>), independent of the reader under test.
/// </summary>
public static class TorchBinWriter
{
    public static byte[] Pickle(IReadOnlyList<BinTensor> tensors, PickleStyle style = PickleStyle.PlainDict)
    {
        var p = new PickleBytes();
        bool p4 = style == PickleStyle.Protocol4Parameters;
        p.Proto(p4 ? (byte)4 : (byte)2);
        if (p4) p.Op(0x95, 0, 0, 0, 0, 0, 0, 0, 0); // FRAME (length is only a read-ahead hint)
        if (style == PickleStyle.OrderedDictWithMetadata)
            p.Global("collections", "OrderedDict").EmptyTuple().Reduce();
        else
            p.EmptyDict();
        p.Mark();
        foreach (var t in tensors)
        {
            p.Str(t.Key);
            if (p4)
            {
                p.StackGlobal("torch._tensor", "_rebuild_from_type_v2").Op(0x94);
                p.Mark();
                p.StackGlobal("torch._utils", "_rebuild_tensor_v2").StackGlobal("torch.nn.parameter", "Parameter");
            }
            else
            {
                p.Global("torch._utils", "_rebuild_tensor_v2");
            }
            p.Mark();
            p.Mark().Str("storage").Global("torch", t.StorageType).Str(t.StorageKey).Str("cpu").Int(t.Numel).Tuple().BinPersId();
            p.Int(t.Offset).IntTuple(t.Size).IntTuple(t.Stride).False();
            p.Global("collections", "OrderedDict").EmptyTuple().Reduce();
            p.Tuple();
            if (p4)
                p.EmptyDict().Tuple().Reduce(); // _rebuild_from_type_v2(_rebuild_tensor_v2, Parameter, (args...), {})
            else
                p.Reduce();
        }
        p.SetItems();
        if (style == PickleStyle.OrderedDictWithMetadata)
            p.EmptyDict().Str("_metadata").Global("collections", "OrderedDict").EmptyTuple().Reduce()
                .Op((byte)'s').Build();
        return p.Stop().ToArray();
    }

    /// <summary>The zip bytes for <paramref name="tensors"/>, each distinct storage written once.</summary>
    public static byte[] Archive(IReadOnlyList<BinTensor> tensors, PickleStyle style = PickleStyle.PlainDict, string prefix = "archive")
        => ArchiveWithPickle(Pickle(tensors, style), tensors, prefix);

    public static byte[] ArchiveWithPickle(byte[] pickle, IReadOnlyList<BinTensor> tensors, string prefix = "archive")
    {
        var entries = new List<TestZipEntry> { new($"{prefix}/data.pkl", pickle) };
        foreach (var group in tensors.GroupBy(t => t.StorageKey))
            entries.Add(new($"{prefix}/data/{group.Key}", group.First().StorageBytes));
        entries.Add(new($"{prefix}/version", "3\n"u8.ToArray()));
        return TestZipWriter.Write(entries);
    }

    /// <summary>A contiguous tensor that owns its storage.</summary>
    public static BinTensor Contiguous(string key, string storageType, string storageKey, byte[] bytes, int elementSize, params long[] size)
    {
        var stride = new long[size.Length];
        long s = 1;
        for (int k = size.Length - 1; k >= 0; k--) { stride[k] = s; s *= size[k]; }
        return new BinTensor(key, storageType, storageKey, bytes, bytes.Length / elementSize, 0, size, stride);
    }
}
