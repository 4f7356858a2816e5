using System.Collections.Concurrent;
using System.Diagnostics;
using Electra.Core.Backend;
using Electra.Cpu;
using Electra.Models;
using Electra.Tokenizer;
using Electra.Vulkan;

// Usage: Electra.Soak [--backend cpu|vulkan] [--model DIR] [--threads 16] [--per-thread 1000] [--soak 10000] [--validation]
// 1. Concurrency: one loaded model, T threads × N forwards each, every output compared bit for bit with a
//    single-threaded run of the same input; the tokenizer likewise.
// 2. Soak: M forwards in one loop; managed heap (after a full GC), RSS, handles, threads and (Vulkan) the activation
//    pool are sampled; growth after warm-up is reported. The backend is then disposed (Vulkan: the validation layer
//    reports any object left alive).
// Exit code 1 on any mismatch or growth beyond the stated tolerance.
string backendName = "cpu", model = "../shared/fixtures/pretraining_gelu";
int threads = 16, perThread = 1000, soak = 10_000;
bool validation = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--backend": backendName = args[++i]; break;
        case "--model": model = args[++i]; break;
        case "--threads": threads = int.Parse(args[++i]); break;
        case "--per-thread": perThread = int.Parse(args[++i]); break;
        case "--soak": soak = int.Parse(args[++i]); break;
        case "--validation": validation = true; break;
        default: throw new ArgumentException($"unknown option {args[i]}");
    }
}

IBackend backend = backendName == "vulkan"
    ? VulkanBackend.Create(new VulkanOptions { EnableValidation = validation })
    : new CpuBackend();
Console.WriteLine($"backend {backend.Name} ({backend.DeviceDescription}), model {model}");
var loaded = ElectraPretrained.Load(model, backend);
int failures = 0;

ModelInputs Input(int i)
{
    var rng = new Random(i);
    int length = 4 + i % 13;
    var ids = Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, length).Select(_ => rng.Next(loaded.Config.VocabSize)).ToArray()).ToArray();
    var mask = new[] { Enumerable.Repeat(1, length).ToArray(), Enumerable.Range(0, length).Select(k => k < length - i % 4 ? 1 : 0).ToArray() };
    return ModelInputs.FromIds(ids, mask);
}

uint[] Bits(ModelOutput o) => o.Tensors.OrderBy(t => t.Key, StringComparer.Ordinal)
    .SelectMany(t => t.Value.ToArray()).Select(BitConverter.SingleToUInt32Bits).ToArray();

// --- concurrency: model ---
const int distinct = 16;
var expected = Enumerable.Range(0, distinct).Select(i => Bits(loaded.Forward(Input(i), ForwardOptions.Everything))).ToArray();
var mismatches = new ConcurrentBag<string>();
var clock = Stopwatch.StartNew();
var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
{
    for (int k = 0; k < perThread; k++)
    {
        int i = (t * 31 + k) % distinct;
        try
        {
            if (!Bits(loaded.Forward(Input(i), ForwardOptions.Everything)).AsSpan().SequenceEqual(expected[i]))
                mismatches.Add($"thread {t} forward {k} (input {i})");
        }
        catch (Exception e) { mismatches.Add($"thread {t} forward {k}: {e.GetType().Name}: {e.Message}"); }
    }
})).ToList();
workers.ForEach(w => w.Start());
workers.ForEach(w => w.Join());
Console.WriteLine($"model concurrency: {threads} threads x {perThread} forwards = {threads * perThread} in {clock.Elapsed.TotalSeconds:F1} s, " +
                  $"{mismatches.Count} differing from single-threaded");
foreach (var m in mismatches.Take(5)) Console.WriteLine("  " + m);
failures += mismatches.Count;

// --- concurrency: tokenizer ---
var tokenizerDir = Directory.Exists(Path.Combine(model, "vocab.txt")) || File.Exists(Path.Combine(model, "vocab.txt"))
    ? model : "models/electra-tiny-rtd/discriminator";
var tokenizer = BertTokenizer.Load(tokenizerDir);
var lines = File.ReadLines("../shared/fixtures/tokenizer/corpus.txt").Where(l => l.Length > 0).Take(500).ToArray();
var encodeOptions = new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, MaxLength = 32, Stride = 4 };
var expectedTokens = lines.Select(l => tokenizer.Encode(l, null, encodeOptions).InputIds).ToArray();
var tokenMismatches = 0;
clock.Restart();
Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
{
    for (int k = 0; k < perThread; k++)
    {
        int i = (t * 17 + k) % lines.Length;
        if (!tokenizer.Encode(lines[i], null, encodeOptions).InputIds.SequenceEqual(expectedTokens[i])) Interlocked.Increment(ref tokenMismatches);
    }
});
Console.WriteLine($"tokenizer concurrency: {threads} threads x {perThread} encodes = {threads * perThread} in {clock.Elapsed.TotalSeconds:F1} s, {tokenMismatches} differing");
failures += tokenMismatches;

// --- soak ---
(long Managed, long Rss, int Handles, int Threads, long Pool) Sample()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    var p = Process.GetCurrentProcess();
    p.Refresh();
    return (GC.GetTotalMemory(true), p.WorkingSet64, p.HandleCount, p.Threads.Count, backend is VulkanBackend v ? v.ActivationBytes : 0);
}
string Format((long Managed, long Rss, int Handles, int Threads, long Pool) s) =>
    $"managed {s.Managed / 1024.0:F0} KiB, RSS {s.Rss / 1048576.0:F1} MiB, handles {s.Handles}, threads {s.Threads}" +
    (backend is VulkanBackend ? $", activation pool {s.Pool / 1024.0:F0} KiB" : "");

var start = Sample();
Console.WriteLine($"soak start: {Format(start)}");
int warmup = Math.Max(1, soak / 10);
(long Managed, long Rss, int Handles, int Threads, long Pool) afterWarmup = start;
clock.Restart();
for (int n = 1; n <= soak; n++)
{
    _ = loaded.Forward(Input(n % distinct), n % 3 == 0 ? ForwardOptions.Everything : ForwardOptions.Default);
    if (n == warmup)
    {
        afterWarmup = Sample();
        Console.WriteLine($"after {n} forwards (warm-up): {Format(afterWarmup)}");
    }
    else if (n % Math.Max(1, soak / 5) == 0) Console.WriteLine($"after {n} forwards: {Format(Sample())}");
}
var end = Sample();
Console.WriteLine($"soak end ({soak} forwards, {clock.Elapsed.TotalSeconds:F1} s): {Format(end)}");
double managedGrowth = (end.Managed - afterWarmup.Managed) / 1024.0, rssGrowth = (end.Rss - afterWarmup.Rss) / 1048576.0;
Console.WriteLine($"growth after warm-up: managed {managedGrowth:F0} KiB, RSS {rssGrowth:F1} MiB, handles {end.Handles - afterWarmup.Handles}, " +
                  $"threads {end.Threads - afterWarmup.Threads}, activation pool {(end.Pool - afterWarmup.Pool) / 1024.0:F0} KiB");
// Tolerances: the managed heap must not grow by more than 1 MiB over 90% of the run, RSS by more than 32 MiB
// (allocator and JIT noise), the activation pool not at all.
if (managedGrowth > 1024 || rssGrowth > 32 || end.Pool > afterWarmup.Pool) { Console.WriteLine("GROWTH beyond tolerance"); failures++; }

backend.Dispose();
if (backend is VulkanBackend vk)
{
    // Read after Dispose: objects still alive when the device is destroyed are reported by the layer at that point.
    var messages = vk.ValidationMessages;
    Console.WriteLine($"vulkan validation {(vk.ValidationEnabled ? "on" : "off")}: {messages.Length} message(s) over the run and Dispose");
    foreach (var m in messages.Take(5)) Console.WriteLine("  " + m);
    failures += messages.Length;
}
Console.WriteLine(failures == 0 ? "PASS" : $"FAIL ({failures})");
return failures == 0 ? 0 : 1;
