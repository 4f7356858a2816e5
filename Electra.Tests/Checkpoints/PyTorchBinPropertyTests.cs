using System.Buffers.Binary;
using Electra.Core.Checkpoints.PyTorch;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Checkpoints;

/// <summary>Random small tensors written by the test-side .bin writer load back with exactly the values written.</summary>
public class PyTorchBinPropertyTests
{
    /// <summary>A tensor as written: dtype, shape, the raw element bits, and whether it is stored transposed.</summary>
    public sealed record Case(string StorageType, long[] Shape, ushort[] HalfBits, float[] Floats, bool Permuted)
    {
        public override string ToString() =>
            $"{StorageType} [{string.Join(", ", Shape)}]{(Permuted ? " stored in reversed-dimension layout" : "")}";
    }

    private static Gen<float> FiniteFloat =>
        Gen.Choose(int.MinValue, int.MaxValue).Select(BitConverter.Int32BitsToSingle).Where(float.IsFinite);

    // Bit patterns whose exponent is not all ones (no inf/NaN): the formula reference compares them exactly.
    private static Gen<ushort> FiniteHalfBits(int exponentMask) =>
        Gen.Choose(0, 0xFFFF).Select(b => (ushort)b).Where(b => (b & exponentMask) != exponentMask);

    private static Gen<Case> Cases =>
        from rank in Gen.Choose(0, 4)
        from shape in Gen.ArrayOf(Gen.Choose(0, 4).Select(d => (long)d), rank)
        from type in Gen.Elements("FloatStorage", "HalfStorage", "BFloat16Storage")
        from permuted in Gen.Elements(false, true)
        let count = (int)shape.Aggregate(1L, (a, d) => a * d)
        from halves in Gen.ArrayOf(FiniteHalfBits(type == "HalfStorage" ? 0x7C00 : 0x7F80), type == "FloatStorage" ? 0 : count)
        from floats in Gen.ArrayOf(FiniteFloat, type == "FloatStorage" ? count : 0)
        select new Case(type, shape, halves, floats, permuted && rank >= 2);

    [Property(MaxTest = 150)]
    public Property WrittenTensorsReadBackExactly() => Prop.ForAll(Cases.ToArbitrary(), c =>
    {
        float[] expected = c.StorageType switch
        {
            "FloatStorage" => c.Floats,
            "HalfStorage" => c.HalfBits.Select(HalfPrecisionReference.Half).ToArray(),
            _ => c.HalfBits.Select(HalfPrecisionReference.BFloat16).ToArray(),
        };
        var tensor = Build(c);
        using var dir = new TempFolder();
        var path = dir.File("pytorch_model.bin", TorchBinWriter.Archive([tensor]));
        using var bin = PyTorchBinCheckpoint.Open(path);
        var read = bin.ReadFloat32("t");
        return read.Shape.Select(d => (long)d).SequenceEqual(c.Shape)
            && read.ToArray().Select(BitConverter.SingleToInt32Bits).SequenceEqual(expected.Select(BitConverter.SingleToInt32Bits));
    });

    /// <summary>
    /// Writes the row-major values either as they are, or (Permuted) into a storage laid out with the dimensions
    /// reversed, described back to torch order through strides — the layout of a transposed parameter.
    /// </summary>
    private static BinTensor Build(Case c)
    {
        int elementSize = c.StorageType == "FloatStorage" ? 4 : 2;
        int rank = c.Shape.Length;
        long count = c.Shape.Aggregate(1L, (a, d) => a * d);
        var rowMajor = RowMajorStrides(c.Shape);
        long[] storageStrides = c.Permuted ? RowMajorStrides(c.Shape.Reverse().ToArray()).Reverse().ToArray() : rowMajor;
        var bytes = new byte[count * elementSize];
        var index = new long[rank];
        for (long flat = 0; flat < count; flat++)
        {
            long rem = flat, at = 0;
            for (int k = 0; k < rank; k++) { index[k] = rem / rowMajor[k]; rem %= rowMajor[k]; at += index[k] * storageStrides[k]; }
            var dst = bytes.AsSpan((int)(at * elementSize), elementSize);
            if (elementSize == 4) BinaryPrimitives.WriteSingleLittleEndian(dst, c.Floats[flat]);
            else BinaryPrimitives.WriteUInt16LittleEndian(dst, c.HalfBits[flat]);
        }
        return new BinTensor("t", c.StorageType, "0", bytes, count, 0, c.Shape, storageStrides);
    }

    private static long[] RowMajorStrides(long[] shape)
    {
        var strides = new long[shape.Length];
        long s = 1;
        for (int k = shape.Length - 1; k >= 0; k--) { strides[k] = s; s *= Math.Max(1, shape[k]); }
        return strides;
    }
}
