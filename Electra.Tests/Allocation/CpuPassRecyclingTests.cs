using Electra.Core.Backend;
using Electra.Cpu;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Allocation;

/// <summary>
/// The CPU pass recycles released activations, tensor object and array together; what must hold for that to be safe.
/// </summary>
public class CpuPassRecyclingTests
{
    [Fact]
    public void ReleasedTensorServesTheNextOperationOfItsShape()
    {
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 1));
        using var pass = backend.BeginPass();
        var a = pass.Upload([1f, 2f, 3f, 4f], [2, 2]);
        var b = pass.Upload([10f, 20f, 30f, 40f], [2, 2]);
        var sum = pass.Add(a, b);
        pass.Release(sum);
        var again = pass.Add(b, a);
        Assert.Same(sum, again);
        Assert.Equal([11f, 22f, 33f, 44f], pass.Read(again));
    }

    [Fact]
    public void SameLengthOtherShapeGetsItsOwnTensor()
    {
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 1));
        using var pass = backend.BeginPass();
        var square = pass.Upload([1f, 2f, 3f, 4f], [2, 2]);
        pass.Release(square);
        var row = pass.Upload([5f, 6f, 7f, 8f], [1, 4]);
        Assert.NotSame(square, row);
        Assert.Equal([1, 4], row.Shape.ToArray());
    }

    [Fact]
    public void ATensorWithAViewIsNotRecycledUnderIt()
    {
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 1));
        using var pass = backend.BeginPass();
        var x = pass.Upload([1f, 2f, 3f, 4f], [2, 2]);
        var view = pass.Reshape(x, [4]);
        pass.Release(x);
        var other = pass.Upload([9f, 9f, 9f, 9f], [2, 2]);
        Assert.NotSame(x, other);
        Assert.Equal([1f, 2f, 3f, 4f], pass.Read(view));
    }

    [Fact]
    public void ReleaseAllKeepsThePassUsableAndRecyclesEverything()
    {
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 1));
        using var pass = backend.BeginPass();
        var a = pass.Upload([1f, 2f], [1, 2]);
        var doubled = pass.Add(a, a);
        Assert.True(pass.TryReleaseAll());
        var b = pass.Upload([5f, 6f], [1, 2]);
        var sum = pass.Add(b, b);
        Assert.NotSame(b, sum);
        Assert.Contains(b, new[] { a, doubled });
        Assert.Contains(sum, new[] { a, doubled });
        Assert.Equal([10f, 12f], pass.Read(sum));
    }

    [Fact]
    public void ReadIntoChecksTheDestinationLength()
    {
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 1));
        using var pass = backend.BeginPass();
        var x = pass.Upload([1f, 2f, 3f], [3]);
        var ok = new float[3];
        pass.Read(x, ok);
        Assert.Equal([1f, 2f, 3f], ok);
        var e = Assert.Throws<Electra.Core.Errors.InputException>(() => pass.Read(x, new float[2]));
        Assert.Contains("3", e.Message);
    }

    /// <summary>Whatever the order of releases, a recycled tensor never aliases one that is still alive.</summary>
    [Property(MaxTest = 100)]
    public Property LiveTensorsNeverShareMemory(int[] script)
    {
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 1));
        using var pass = backend.BeginPass();
        var live = new List<(DeviceTensor Tensor, float Value)>();
        float next = 1;
        foreach (var step in script ?? [])
        {
            int op = Math.Abs(step % 3);
            if (op == 0 || live.Count == 0)
            {
                // Shapes of two lengths, and two shapes of one length.
                int[] shape = (Math.Abs(step / 3) % 3) switch { 0 => [2, 3], 1 => [3, 2], _ => [4] };
                int length = shape[0] * (shape.Length > 1 ? shape[1] : 1);
                live.Add((pass.Upload(Enumerable.Repeat(next, length).ToArray(), shape), next));
                next++;
            }
            else if (op == 1)
            {
                int i = Math.Abs(step / 3) % live.Count;
                pass.Release(live[i].Tensor);
                live.RemoveAt(i);
            }
            else
            {
                var (t, v) = live[Math.Abs(step / 3) % live.Count];
                live.Add((pass.Add(t, t), 2 * v));
            }
        }
        return live.All(l => pass.Read(l.Tensor).All(x => x == l.Value)).Label("every live tensor keeps its values");
    }

    /// <summary>
    /// Every activation starts on a cache line, whatever its length (the kernels' vector accesses along a row then stay
    /// within lines), and its span is exactly its element count, float32 and int32, fresh and recycled.
    /// </summary>
    [Property(MaxTest = 50)]
    public unsafe Property ActivationsStartOnACacheLine(PositiveInt rowsSeed, PositiveInt widthSeed)
    {
        int rows = 1 + rowsSeed.Get % 37, width = 1 + widthSeed.Get % 301;
        using var backend = new CpuBackend(new CpuBackendOptions(Threads: 1));
        using var pass = backend.BeginPass();
        var values = Enumerable.Range(0, rows * width).Select(i => (float)i).ToArray();
        var tensors = new List<DeviceTensor>();
        for (int i = 0; i < 3; i++)
        {
            var x = pass.Upload(values, [rows, width]);
            var sum = pass.Add(x, x);
            tensors.Add(x);
            tensors.Add(sum);
            tensors.Add(pass.UploadInt(new int[rows * width], [rows, width]));
            if (i == 1) { pass.Release(x); pass.Release(sum); }   // the third round is served recycled arrays
        }
        bool aligned = true, exact = true;
        foreach (var t in tensors)
        {
            var cpu = (CpuTensor)t;
            if (cpu.DType == DeviceDType.Float32)
            {
                fixed (float* p = cpu.Floats) aligned &= ((nint)p & 63) == 0;
                exact &= cpu.Floats.Length == rows * width;
            }
            else
            {
                fixed (int* p = cpu.Ints) aligned &= ((nint)p & 63) == 0;
                exact &= cpu.Ints.Length == rows * width;
            }
        }
        return aligned.Label("64-byte aligned").And(exact.Label("span length is the element count"));
    }
}
