using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Electra.Core.Checkpoints;
using Electra.Core.Checkpoints.PyTorch;

namespace Electra.Benchmarks;

/// <summary>
/// Open + read every tensor as float32: the model's model.safetensors versus the same tensors written as a
/// torch.save-style pytorch_model.bin (F32 storages, protocol-2 pickle, stored zip entries) in a temp file.
/// </summary>
static class CheckpointLoadBench
{
    public static void Run(string modelDir, int iterations)
    {
        string safetensors = Path.Combine(modelDir, "model.safetensors");
        string bin = Path.Combine(Path.GetTempPath(), $"electra-bench-{Environment.ProcessId}.bin");
        try
        {
            long bytes;
            using (var source = SafetensorsFile.Open(safetensors)) bytes = WriteBin(source, bin);
            Console.WriteLine($"checkpoint load, {bytes / 1e6:F1} MB of float32 tensors, median of {iterations} (min)");
            Console.WriteLine("| file | open ms | open + read all ms | MB/s |");
            Console.WriteLine("|---|---|---|---|");
            Report("model.safetensors (mmap)", () => SafetensorsFile.Open(safetensors), bytes, iterations);
            Report("pytorch_model.bin", () => PyTorchBinCheckpoint.Open(bin), bytes, iterations);
            // Baseline for the .bin row: just copying the file's bytes into memory, same machine, same moment.
            var copies = new List<double>();
            for (int i = 0; i < iterations; i++)
            {
                var clock = Stopwatch.StartNew();
                _ = File.ReadAllBytes(bin);
                copies.Add(clock.Elapsed.TotalMilliseconds);
            }
            copies.Sort();
            Console.WriteLine($"| (baseline: File.ReadAllBytes of the .bin) | | {copies[copies.Count / 2]:F1} ({copies[0]:F1}) | {bytes / 1e3 / copies[copies.Count / 2]:F0} |");
            ReportModelLoad(modelDir, iterations);
        }
        finally
        {
            File.Delete(bin);
        }
    }

    /// <summary>
    /// The whole model load onto the CPU backend (config, memory map, checks, prepacking): the first load of this
    /// process, which pays the runtime's one-time type loading and compilation, then the median of later loads.
    /// </summary>
    private static void ReportModelLoad(string modelDir, int iterations)
    {
        var times = new List<double>();
        for (int i = 0; i < iterations + 1; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var backend = new Electra.Cpu.CpuBackend(new Electra.Cpu.CpuBackendOptions(Threads: 2)))
            {
                _ = Electra.Models.ElectraPretrained.Load(modelDir, backend);
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
            GC.Collect();
        }
        var warm = times.Skip(1).Order().ToList();
        Console.WriteLine();
        Console.WriteLine($"model load (ElectraPretrained.Load, CPU backend, 2 threads): first in this process " +
                          $"{times[0]:F1} ms (after the table above warmed the checkpoint reader); later loads median " +
                          $"{warm[warm.Count / 2]:F1} ms (min {warm[0]:F1})");
    }

    private static void Report(string name, Func<IWeightSource> open, long bytes, int iterations)
    {
        var opens = new List<double>();
        var totals = new List<double>();
        for (int i = 0; i < iterations + 2; i++)
        {
            var clock = Stopwatch.StartNew();
            using var source = open();
            double openMs = clock.Elapsed.TotalMilliseconds;
            float sink = 0;
            foreach (var key in source.Keys) sink += source.ReadFloat32(key).Span[0];
            double total = clock.Elapsed.TotalMilliseconds;
            if (i < 2 || float.IsNaN(sink)) continue; // warm-up
            opens.Add(openMs);
            totals.Add(total);
        }
        opens.Sort();
        totals.Sort();
        double median = totals[totals.Count / 2];
        Console.WriteLine($"| {name} | {opens[opens.Count / 2]:F2} ({opens[0]:F2}) | {median:F1} ({totals[0]:F1}) | {bytes / 1e3 / median:F0} |");
    }

    /// <summary>Writes every tensor of <paramref name="source"/> as a torch.save zip; returns the data bytes.</summary>
    private static long WriteBin(IWeightSource source, string path)
    {
        var pickle = new MemoryStream();
        pickle.Write([0x80, 0x02, (byte)'}', (byte)'(']);
        using var zip = new ZipArchive(File.Create(path), ZipArchiveMode.Create);
        long total = 0;
        int storage = 0;
        foreach (var key in source.Keys)
        {
            var t = source.ReadFloat32(key);
            var shape = t.Shape.ToArray();
            var stride = new int[shape.Length];
            for (int k = shape.Length - 1, s = 1; k >= 0; s *= shape[k], k--) stride[k] = s;
            Str(pickle, key);
            pickle.Write(Encoding.ASCII.GetBytes("ctorch._utils\n_rebuild_tensor_v2\n(("));
            Str(pickle, "storage");
            pickle.Write(Encoding.ASCII.GetBytes("ctorch\nFloatStorage\n"));
            Str(pickle, storage.ToString());
            Str(pickle, "cpu");
            Int(pickle, (int)t.ElementCount);
            pickle.Write("tQ"u8);
            Int(pickle, 0);
            IntTuple(pickle, shape);
            IntTuple(pickle, stride);
            pickle.WriteByte(0x89); // NEWFALSE: requires_grad
            pickle.Write(Encoding.ASCII.GetBytes("ccollections\nOrderedDict\n)RtR"));
            var data = new byte[t.ElementCount * 4];
            for (int i = 0; i < t.Span.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), t.Span[i]);
            using (var entry = zip.CreateEntry($"archive/data/{storage}", CompressionLevel.NoCompression).Open()) entry.Write(data);
            total += data.Length;
            storage++;
        }
        pickle.Write("u."u8);
        using (var entry = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) entry.Write(pickle.ToArray());
        return total;
    }

    private static void Str(Stream s, string value)
    {
        var b = Encoding.UTF8.GetBytes(value);
        s.WriteByte((byte)'X');
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(len, b.Length);
        s.Write(len);
        s.Write(b);
    }

    private static void Int(Stream s, int value)
    {
        s.WriteByte((byte)'J');
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(v, value);
        s.Write(v);
    }

    private static void IntTuple(Stream s, int[] values)
    {
        s.WriteByte((byte)'(');
        foreach (var v in values) Int(s, v);
        s.WriteByte((byte)'t');
    }
}
