using System.Globalization;
using Electra.Benchmarks;
using Electra.Cpu;
using Electra.Cpu.Kernels;
using Electra.Models;

// electra-benchmarks [ort|ort-profile [--batch B --seq S]|round-ten|vnni-tile-probe [--rounds R --rows M]|vnni-prefetch|f32-probe [--rows M]|int8|int8-ranges|int8-accuracy [--seeds N --first-seed F --batch 1|32]|int8-divergence [--batch B --seq S --seed N --ort-dir DIR]|int8-gemm [--avx2]|int8-parts [--rows M]|int8-probe [--rounds R --k K]|int8-states [--batch B --seconds N]|state-probe [--seconds N --ours-only|--ort-only]|attention|attention-products [--rounds R]|layernorm|vnni-probe [--rounds R --k K]|base|gemm|vulkan-gemm|random-base --out DIR|checkpoint|profile|all] [--ort-int8 FILE] [--per-channel] [--per-row] [--threads T] [--model DIR] [--iterations N] [--batch B --seq S --pad-ratio P --quantize int8 --ragged --min-len L --max-len L (profile)] [--attention-before] [--before-round-ten] [ragged --batch B --min-len L --max-len L]
// electra-benchmarks bench <electra bench options>
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
// `bench ...` runs the same code as `electra bench ...` (Electra.Cli.Commands.BenchCommand, through Electra.Cli.CommandLine).
if (args.Length > 0 && args[0] == "bench") return Electra.Cli.CommandLine.Run(args, Console.Out, Console.Error);
string mode = args.Length > 0 && !args[0].StartsWith("--") ? args[0] : "all";
int threads = ArgInt("--threads") ?? 2;
int iterations = ArgInt("--iterations") ?? 15;
string modelDir = ArgString("--model") ?? Path.Combine("..", "shared", "models", "electra-small-random");

// --attention-before (any mode): the attention kernel without its unmasked softmax and next-tile prefetch (round eight).
if (args.Contains("--attention-before")) AttentionKernel.UnmaskedSoftmaxPath = AttentionKernel.PrefetchNextTile = false;
// --before-round-ten (any mode): the q, k, v projections and the attention one after the other, the embeddings composed of gathers, an add and a LayerNorm.
if (args.Contains("--before-round-ten")) CpuForwardPass.FusesSelfAttention = CpuForwardPass.EmbedsInOnePass = false;
Console.WriteLine($"CPU {CpuInfo.ModelName()}, {Environment.ProcessorCount} logical cores, GEMM path {GemmIsaDetection.Best}, threads {threads}");
Console.WriteLine($"load average at start: {CpuInfo.LoadAverage()}");

if (mode is "ort" or "all")
{
    using var backend = new CpuBackend(new CpuBackendOptions(threads));
    var loadClock = System.Diagnostics.Stopwatch.StartNew();
    var ours = ElectraPretrained.Load(modelDir, backend);
    double coldLoad = loadClock.Elapsed.TotalMilliseconds;
    loadClock.Restart();
    using (var again = new CpuBackend(new CpuBackendOptions(threads))) ElectraPretrained.Load(modelDir, again);
    Console.WriteLine($"load (memory-mapped safetensors + prepacking): first {coldLoad:F0} ms (includes JIT), second {loadClock.Elapsed.TotalMilliseconds:F0} ms");
    using var ort = new OrtRunner(Path.Combine(modelDir, "model.onnx"), threads);
    Console.WriteLine("| shape | pad ratio | ours median ms (min) | ORT median ms (min) | ours/ORT | CPU ms per forward ours / ORT | max abs diff of logits | ours bytes allocated per forward |");
    Console.WriteLine("|---|---|---|---|---|---|---|---|");
    foreach (var (b, s, pad, iters) in new[] { (1, 128, 0.0, iterations * 4), (32, 128, 0.0, iterations), (8, 512, 0.0, iterations), (32, 128, 0.5, iterations) })
    {
        var r = SideBySide.Run(ours, ort, b, s, pad, warmup: 3, iterations: iters);
        Console.WriteLine($"| {b} × {s} | {pad} | {r.OursMedian:F2} ({r.OursMin:F2}) | {r.OrtMedian:F2} ({r.OrtMin:F2}) | {r.Ratio:F3} | {r.OursCpuMs:F0} / {r.OrtCpuMs:F0} | {r.MaxAbsDiff:E2} | {r.OursAllocatedPerForward} |");
    }
}

if (mode is "base" or "all")
{
    var (peak1, peak1Cpu) = FmaPeak.MeasureBoth(1);
    var (peakT, peakTCpu) = FmaPeak.MeasureBoth(threads);
    Console.WriteLine($"FMA peak (independent chains): 1 thread {peak1:F1} GFLOP/s ({peak1Cpu:F1} per CPU-second), {threads} threads {peakT:F1} GFLOP/s ({peakTCpu:F1} per CPU-second)");
    BaseModelBench.Run(threads, peakT, Math.Max(peak1Cpu, peakTCpu), Math.Max(3, iterations / 3));
}

if (mode is "random-base")
{
    RandomBaseModel.Write(ArgString("--out") ?? "electra-base-random");
    return 0;
}

if (mode is "vulkan-gemm")
{
    // On a real GPU add --large for the 4096-row shapes (minutes on lavapipe).
    VulkanGemmBench.Run(ArgInt("--iterations") ?? 4, args.Contains("--large"));
    return 0;
}

if (mode is "gemm")
{
    var (peakT, peakCpu) = FmaPeak.MeasureBoth(threads);
    Console.WriteLine($"FMA peak {peakT:F1} GFLOP/s wall, {peakCpu:F1} GFLOP per CPU-second");
    using var pool = new WorkerPool(threads);
    foreach (var (m, n, k, act) in new[] { (128, 256, 256, Electra.Core.Backend.Activation.Identity), (128, 1024, 256, Electra.Core.Backend.Activation.Gelu),
        (4096, 1024, 256, Electra.Core.Backend.Activation.Identity), (4096, 1024, 256, Electra.Core.Backend.Activation.Gelu),
        (4096, 256, 1024, Electra.Core.Backend.Activation.Identity), (4096, 768, 768, Electra.Core.Backend.Activation.Identity),
        (4096, 3072, 768, Electra.Core.Backend.Activation.Gelu), (4096, 768, 3072, Electra.Core.Backend.Activation.Identity) })
    {
        var r = GemmBench.Run(m, n, k, act, pool);
        Console.WriteLine($"{m}x{n}x{k} {act}: {r.MsMedian:F3} ms {r.Gflops:F1} GFLOP/s ({100 * r.Gflops / peakT:F0}% of peak {peakT:F0}); per CPU-second {r.GflopsPerCpuSecond:F1} = {100 * r.GflopsPerCpuSecond / peakCpu:F0}% of the per-CPU-second peak");
    }
}
if (mode is "profile")
{
    int batch = ArgInt("--batch") ?? 32, seq = ArgInt("--seq") ?? 128;
    double pad = ArgString("--pad-ratio") is { } pr ? double.Parse(pr) : 0;
    // --quantize int8 profiles the int8 path (encoder linears in int8, per tensor unless --per-channel / --per-row).
    var quantization = ArgString("--quantize") is "int8"
        ? new Int8Quantization(args.Contains("--per-channel"), args.Contains("--per-row")) : null;
    using var profiler = new OpProfiler(new CpuBackend(new CpuBackendOptions(threads, Quantization: quantization)));
    var model = ElectraPretrained.Load(modelDir, profiler);
    var inputs = Electra.Cli.Benchmarking.BenchInputs.Create(batch, seq, pad, model.Config.VocabSize).ToModelInputs();
    // --ragged: the serve-shaped packed batch (--batch rows of --min-len..--max-len tokens) instead of [B, S].
    var ragged = args.Contains("--ragged")
        ? RaggedBench.Texts(ArgInt("--batch") ?? 30, ArgInt("--min-len") ?? 10, ArgInt("--max-len") ?? 20, model.Config.VocabSize) : null;
    Action forward = ragged is null ? () => model.Forward(inputs) : () => model.Forward(ragged);
    Electra.Cli.Benchmarking.Timing.WarmUp(forward, 3);
    profiler.Reset();
    var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
    var clock = System.Diagnostics.Stopwatch.StartNew();
    for (int i = 0; i < iterations; i++) forward();
    double total = clock.Elapsed.TotalMilliseconds / iterations;
    double cpuMs = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / iterations;
    Console.WriteLine($"{(ragged is null ? $"{batch} x {seq}, pad {pad}" : ragged.ToString())}{(quantization is null ? "" : ", int8 " + quantization)}: {total:F2} ms per forward, {cpuMs:F1} CPU ms");
    double accounted = 0;
    foreach (var (kind, ms, calls, minMs) in profiler.Totals())
    {
        accounted += ms / iterations;
        Console.WriteLine($"  {kind,-36} {ms / iterations,9:F3} ms  {100 * ms / iterations / total,5:F1}%  ({calls / iterations} calls, mean {1000 * ms / calls:F1} us, min {1000 * minMs:F1} us)");
    }
    Console.WriteLine($"  {"(outside backend ops)",-36} {total - accounted,9:F3} ms  {100 * (total - accounted) / total,5:F1}%");
}
if (mode is "int8")
{
    // ours int8 vs ONNX Runtime int8 (tools/quantize_onnx_int8.py) vs both float32, then the GEMMs.
    string ortInt8 = ArgString("--ort-int8") ?? Path.Combine(".build", "ort-int8", "model.onnx");
    bool perChannel = args.Contains("--per-channel"), perRow = args.Contains("--per-row");
    Int8SideBySide.Run(modelDir, ortInt8, threads, iterations, perChannel, perRow);
}
if (mode is "int8-ranges")
{
    // the int8 forward with and without the producers' output ranges handed to the next int8 linear, one process.
    Int8RangesBench.Run(modelDir, threads, iterations, args.Contains("--per-channel"), args.Contains("--per-row"));
}
if (mode is "int8-accuracy")
{
    // ours int8 and ORT int8 against float32 over --seeds input sets (default 8): no timing.
    string ortInt8 = ArgString("--ort-int8") ?? Path.Combine(".build", "ort-int8", "model.onnx");
    // --first-seed F starts there; --batch 1 or 32 runs that shape alone.
    Int8Accuracy.Run(modelDir, ortInt8, threads, ArgInt("--seeds") ?? 8, args.Contains("--per-channel"), args.Contains("--per-row"),
        ArgInt("--first-seed") ?? 1, ArgInt("--batch"));
}
if (mode is "int8-divergence")
{
    // ours int8 against ORT int8 at every quantized input (needs the copies of tools/expose_quantized_inputs.py).
    Int8Divergence.Run(modelDir, ArgString("--ort-dir") ?? Path.Combine(".build", "ort-int8"), threads,
        ArgInt("--batch") ?? 32, ArgInt("--seq") ?? 128, ArgInt("--seed") ?? 1);
}
if (mode is "int8-gemm")
{
    using var pool = new WorkerPool(threads);
    // --avx2: both GEMMs packed for their AVX2 kernels, as on a CPU without AVX-512 or VNNI.
    Int8GemmBench.Run(pool, iterations, args.Contains("--per-channel"), args.Contains("--per-row"), args.Contains("--avx2"));
}
if (mode is "gelu")
{
    // The GELU variants A/B in one process: loop alone, epilogue, GEMMs with the fused GELU, whole forwards.
    using var pool = new WorkerPool(threads);
    GeluBench.Header();
    GeluBench.Run(modelDir, pool, threads, iterations);
}
if (mode is "int8-parts")
{
    using var pool = new WorkerPool(threads);
    Int8PartsBench.Run(pool, iterations, ArgInt("--rows") ?? 4096);
}
if (mode is "attention-products")
    AttentionProductsProbe.Run(ArgInt("--rounds") ?? 20);
if (mode is "f32-probe")
{
    // One thread's share of the 1 × 128 GEMMs on cold weights: --threads 1 --rows 64.
    using var pool = new WorkerPool(threads);
    F32Probe.Run(pool, iterations, ArgInt("--rows") ?? 128);
}
if (mode is "ort-profile")
{
    OrtProfile.Run(ArgString("--ort-int8") ?? Path.Combine(".build", "ort-int8", "model.onnx"), threads, ArgInt("--batch") ?? 32, ArgInt("--seq") ?? 128, iterations);
    return 0;
}
if (mode is "round-ten")
{
    FusedAttentionBench.Run(modelDir, threads, iterations);
    return 0;
}

if (mode is "attention")
{
    // The attention kernel alone, before / after its unmasked softmax, alternating in this process.
    using var pool = new WorkerPool(threads);
    AttentionBench.Run(pool, iterations, GemmIsaDetection.Best);
}
if (mode is "int8-probe")
    Int8Probe.Run(ArgInt("--rounds") ?? 5, ArgInt("--k") ?? 256);
if (mode is "vnni-probe")
    VnniProbe.Run(ArgInt("--rounds") ?? 5, ArgInt("--k") ?? 256);
if (mode is "vnni-prefetch")
    VnniPrefetchBench.Run(modelDir, threads, iterations);
if (mode is "vnni-tile-probe")
    VnniTileProbe.Run(ArgInt("--rounds") ?? 10, ArgInt("--rows") ?? 4096);
if (mode is "ragged")
{
    // The serve-shaped batch (#18): --batch rows of --min-len..--max-len tokens, packed, against one text at a time.
    using var backend = new CpuBackend(new CpuBackendOptions(threads));
    var model = ElectraPretrained.Load(modelDir, backend);
    RaggedBench.Run(model, ArgInt("--batch") ?? 30, ArgInt("--min-len") ?? 10, ArgInt("--max-len") ?? 20, iterations);
}
if (mode is "layernorm")
    LayerNormBench.Run(threads, iterations); // the LayerNorm row alone (against the round-eight row) and the stand-alone pass
if (mode is "checkpoint")
    CheckpointLoadBench.Run(modelDir, iterations);
if (mode is "int8-states")
{
    // ours int8 against ORT int8 one forward each, pair after pair, the ratios reported per state of the machine.
    string ortInt8 = ArgString("--ort-int8") ?? Path.Combine(".build", "ort-int8", "model.onnx");
    Int8StatePairs.Run(modelDir, ortInt8, threads, ArgInt("--batch") ?? 32, ArgInt("--seconds") ?? 60);
}
if (mode is "state-probe")
{
    // The int8 1 × 128 forward's median per second, ours and ORT's: whether the machine's slow state comes and goes within a process.
    string ortInt8 = ArgString("--ort-int8") ?? Path.Combine(".build", "ort-int8", "model.onnx");
    StateProbe.Run(modelDir, ortInt8, threads, ArgInt("--seconds") ?? 60, args.Contains("--ort-only"), args.Contains("--ours-only"));
}

Console.WriteLine($"load average at end: {CpuInfo.LoadAverage()}");
return 0;

int? ArgInt(string name) => ArgString(name) is { } v ? int.Parse(v) : null;
string? ArgString(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
