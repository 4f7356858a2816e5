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
// 2. Soak: M forwards in one loop, with refused inputs between the valid ones (every 10th iteration a runtime input
//    the model must refuse, every 50th a hostile checkpoint and config opened from files); managed heap (after a
//    full GC), RSS, handles, threads and (Vulkan) the activation pool are sampled; growth after warm-up is reported.
//    The backend is then disposed (Vulkan: the validation layer reports any object left alive).
// Exit code 1 on any mismatch, any refused input that was not refused with an ElectraException, or growth beyond
// the stated tolerance (handles and threads included).
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

// Refused inputs, in turn: each must end in an ElectraException and leave nothing behind.
var hostileDir = Directory.CreateTempSubdirectory("electra-soak-").FullName;
var truncated = Path.Combine(hostileDir, "model.safetensors");
var modelFile = Path.Combine(model, "model.safetensors");
if (File.Exists(modelFile))
{
    var bytes = File.ReadAllBytes(modelFile);
    File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
}
else File.WriteAllBytes(truncated, new byte[16]);
File.WriteAllText(Path.Combine(hostileDir, "config.json"), """{"model_type": "electra", "num_hidden_layers": 2147483647, "hidden_size": 7}""");
int refused = 0, notRefused = 0;
void Refuse(int n)
{
    int vocab = loaded.Config.VocabSize, maxPos = loaded.Config.MaxPositionEmbeddings;
    Action attempt = (n / 10 % 4) switch
    {
        0 => () => loaded.Forward(ModelInputs.FromIds([[1, vocab + n % 7]])),
        1 => () => loaded.Forward(ModelInputs.FromIds([[1, -1 - n % 5]])),
        2 => () => loaded.Forward(ModelInputs.FromIds([Enumerable.Repeat(1, maxPos + 1).ToArray()])),
        _ => () => loaded.Forward(ModelInputs.FromIds([[1, 2]], [[1, 1, 1]])),
    };
    if (n % 50 == 0)
    {
        var inner = attempt;
        attempt = () =>
        {
            try { using var f = Electra.Core.Checkpoints.SafetensorsFile.Open(truncated); foreach (var k in f.Keys) f.ReadFloat32(k); }
            catch (Electra.Core.Errors.ElectraException) { refused++; }
            try { Electra.Core.Configuration.ElectraConfigJson.Load(hostileDir); }
            catch (Electra.Core.Errors.ElectraException) { refused++; }
            inner();
        };
    }
    try { attempt(); notRefused++; Console.WriteLine($"  iteration {n}: a hostile input was accepted"); }
    catch (Electra.Core.Errors.ElectraException) { refused++; }
    catch (Exception e) { notRefused++; Console.WriteLine($"  iteration {n}: {e.GetType().Name}: {e.Message}"); }
}

var start = Sample();
Console.WriteLine($"soak start: {Format(start)}");
int warmup = Math.Max(1, soak / 10);
(long Managed, long Rss, int Handles, int Threads, long Pool) afterWarmup = start;
clock.Restart();
for (int n = 1; n <= soak; n++)
{
    _ = loaded.Forward(Input(n % distinct), n % 3 == 0 ? ForwardOptions.Everything : ForwardOptions.Default);
    if (n % 10 == 0) Refuse(n);
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
// (allocator and JIT noise), open handles and threads by more than 4 (runtime housekeeping: a timer or a thread
// pool thread may start late; a leak per refused file grows by hundreds), the activation pool not at all.
int handleGrowth = end.Handles - afterWarmup.Handles, threadGrowth = end.Threads - afterWarmup.Threads;
if (managedGrowth > 1024 || rssGrowth > 32 || handleGrowth > 4 || threadGrowth > 4 || end.Pool > afterWarmup.Pool)
{
    Console.WriteLine("GROWTH beyond tolerance");
    failures++;
}
// The model still answers exactly as before the refused inputs.
if (!Bits(loaded.Forward(Input(0), ForwardOptions.Everything)).AsSpan().SequenceEqual(expected[0]))
{
    Console.WriteLine("the model's output changed after the soak");
    failures++;
}
Console.WriteLine($"refused inputs: {refused} refused with a typed error, {notRefused} not");
failures += notRefused;
Directory.Delete(hostileDir, recursive: true);

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
