using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Electra.Cli.Benchmarking;
using Electra.Cli.Options;
using Electra.Models;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra bench</c>: times the model's forward (as the checkpoint's architecture) on deterministic random ids
/// and prints the median and minimum time, throughput, load time and peak RSS (one JSON line with --json).
/// With padding (--pad-ratio &gt; 0) the forward skips the padding tokens (<see cref="ForwardOptions.SkipPadding"/>)
/// unless --no-skip-padding is given, so throughput tracks the real tokens.
/// The timed forwards run in a <see cref="ForwardSession"/> (the hot path: outputs reused between forwards), whose
/// allocation per forward is <c>allocated_bytes_per_forward</c>; <c>allocated_bytes_per_forward_plain</c> is that of
/// <see cref="ElectraPretrained.Forward(ModelInputs, ForwardOptions?, CancellationToken)"/>, which returns new output arrays every time. Both count every thread.
/// </summary>
public static class BenchCommand
{
    /// <summary>One benchmark result, as printed.</summary>
    public sealed record Result(string Backend, int Threads, int Batch, int Seq, double MsMedian, double MsMin,
        double SequencesPerSecond, double LoadMs, double PeakRssMb, double PadRatio, int RealTokens, long AllocatedBytesPerForward)
    {
        /// <summary>Whether the timed forward skipped the padding tokens.</summary>
        public bool SkipPadding { get; init; }

        /// <summary>Bytes allocated per <see cref="ElectraPretrained.Forward(ModelInputs, ForwardOptions?, CancellationToken)"/> (new outputs each time), all threads.</summary>
        public long AllocatedBytesPerForwardPlain { get; init; }

        /// <summary>Resident memory before the model was loaded: the runtime's own floor.</summary>
        public double RssBeforeLoadMb { get; init; }

        /// <summary>The model's weights as stored (float32 values of the tensors it uses).</summary>
        public double WeightsMb { get; init; }

        /// <summary>Activation memory the backend holds after the timed runs, where the backend reports it.</summary>
        public double? ActivationsMb { get; init; }

        /// <summary>Vulkan work per timed forward (dispatches, barriers, submits; allocations = objects created plus
        /// device-memory allocations), null on other backends.</summary>
        public VulkanWork? Vulkan { get; init; }

        /// <summary>With --profile on Vulkan: GPU milliseconds and dispatches per timed forward, per shader.</summary>
        public IReadOnlyDictionary<string, (double Dispatches, double Ms)>? Profile { get; init; }

        /// <summary>How the Vulkan backend multiplied the linears (e.g. CooperativeMatrixKhr under --precision f16), null elsewhere.</summary>
        public string? GemmPath { get; init; }
        /// <summary>Vulkan: how activations were stored (Float16 under --precision f16 where the device allows it).</summary>
        public string? ActivationPrecision { get; init; }
        /// <summary>Vulkan: whether the GPU-shaped float16 GEMMs multiplied in packed f16vec2 arithmetic, null elsewhere.</summary>
        public bool? HalfArithmetic { get; init; }
    }

    /// <summary>Per timed forward, averaged over the timed forwards (the warm-up is not counted).</summary>
    public sealed record VulkanWork(double Dispatches, double Barriers, double Submits, double Allocations)
    {
        public static VulkanWork PerForward(Electra.Vulkan.VulkanCounters c, int forwards) =>
            new((double)c.Dispatches / forwards, (double)c.Barriers / forwards, (double)c.Submits / forwards, (double)c.Allocations / forwards);
    }

    public static Command Create(CliIO io)
    {
        var command = new Command("bench", "time a model's forward pass on deterministic random ids: median and minimum time, throughput, load time, memory");
        var model = new ModelOptionGroup(command, SharedOptions.Model("the model: a folder, or a hub id (downloaded into the Hugging Face cache when missing)", required: true));
        var batch = command.Define(SharedOptions.Int("--batch", "sequences per forward", "B", required: true));
        var seq = command.Define(SharedOptions.Int("--seq", "tokens per sequence, padding included", "S", required: true));
        var padRatio = command.Define(SharedOptions.Double("--pad-ratio", "share of padding tokens per batch, in [0, 0.5] (default: 0)", "P"));
        var noSkip = command.Define(SharedOptions.Flag("--no-skip-padding", "compute the padding positions too (by default a padded batch skips them)"));
        var warmup = command.Define(SharedOptions.Int("--warmup", "untimed forwards first (default: 3)", "N"));
        var iterations = command.Define(SharedOptions.Int("--iterations", "timed forwards (default: 10)", "N"));
        var json = command.Define(SharedOptions.Json("one JSON line instead of a sentence"));
        var profile = command.Define(SharedOptions.Flag("--profile", "--backend vulkan: GPU time per operation from timestamp queries, over the timed forwards"));
        command.SetAction(r => Run(r.GetValue(model.Model)!, model.Read(r), r.GetValue(profile),
            r.GetValue(batch)!.Value, r.GetValue(seq)!.Value,
            r.GetValue(padRatio), r.GetValue(noSkip), r.GetValue(warmup) ?? 3, r.GetValue(iterations) ?? 10, r.GetValue(json), io.Out, io.Err));
        return command;
    }

    private static int Run(string modelDir, ModelLoadOptions load, bool profile, int batch, int seq, double? padRatioOption, bool noSkipPadding, int warmup, int iterations,
        bool json, TextWriter stdout, TextWriter stderr)
    {
        var (backendName, threads) = ((load.Backend ?? "cpu") + (load.Quantize is { } q ? "-" + q : ""), load.Threads);
        if (batch < 1 || seq < 1) throw new UsageException("--batch and --seq must be positive");
        if (warmup < 0 || iterations < 1) throw new UsageException("--warmup must be ≥ 0 and --iterations ≥ 1");
        if (threads is < 1) throw new UsageException("--threads must be positive");
        if (profile && backendName != "vulkan") throw new UsageException("--profile needs --backend vulkan (GPU timestamps)");
        double padRatio = padRatioOption ?? 0;
        if (padRatio is < 0 or > 0.5) throw new UsageException($"--pad-ratio expects a number in [0, 0.5], got '{padRatio.ToString(CultureInfo.InvariantCulture)}'");

        double rssBeforeLoad = ProcessMemory.CurrentRssMb();
        var clock = Stopwatch.StartNew();
        using var backend = load.CreateBackend(profile);
        var model = load.Load(modelDir, backend);
        LoadWarnings.Write(stderr, model);
        double loadMs = clock.Elapsed.TotalMilliseconds;
        if (seq > model.Config.MaxPositionEmbeddings)
            throw new UsageException($"--seq {seq} exceeds the model's max_position_embeddings {model.Config.MaxPositionEmbeddings}");

        var result = Measure(model, backendName, threads ?? Environment.ProcessorCount, batch, seq, padRatio, warmup, iterations, loadMs,
            skipPadding: padRatio > 0 && !noSkipPadding) with { RssBeforeLoadMb = rssBeforeLoad };
        stdout.WriteLine(json ? ToJson(result) : Describe(result));
        return 0;
    }

    /// <summary>Times <paramref name="model"/>'s forward on <see cref="BenchInputs"/> of the given shape.</summary>
    /// <param name="model">the loaded model.</param>
    /// <param name="backendName">backend name for the report.</param>
    /// <param name="threads">thread count for the report.</param>
    /// <param name="batch">sequences per forward.</param>
    /// <param name="seq">tokens per sequence, padding included.</param>
    /// <param name="padRatio">share of padding tokens, in [0, 0.5].</param>
    /// <param name="warmup">untimed forwards first.</param>
    /// <param name="iterations">timed forwards.</param>
    /// <param name="loadMs">model load time for the report.</param>
    /// <param name="skipPadding">skip the padding tokens; by default whenever there is padding.</param>
    public static Result Measure(ElectraPretrained model, string backendName, int threads, int batch, int seq,
        double padRatio, int warmup, int iterations, double loadMs, bool? skipPadding = null)
    {
        var bench = BenchInputs.Create(batch, seq, padRatio, model.Config.VocabSize);
        var inputs = bench.ToModelInputs();
        bool skip = skipPadding ?? padRatio > 0;
        var options = skip ? ForwardOptions.RealTokensOnly : ForwardOptions.Default;
        long plain = Timing.MeasureAllocation(() => model.Forward(inputs, options), runs: 2);
        using var session = model.CreateSession();
        var vulkan = model.Backend as Electra.Vulkan.VulkanBackend;
        Electra.Vulkan.VulkanCounters? before = null;
        var timing = Timing.Measure(() => session.Forward(inputs, options), warmup, iterations, () =>
        {
            before = vulkan?.Counters;
            vulkan?.ResetProfile();
        });
        int forwards = Math.Max(1, iterations);
        var profile = vulkan?.Profile is { Count: > 0 } p
            ? p.ToDictionary(kv => kv.Key, kv => ((double)kv.Value.Dispatches / forwards, kv.Value.Milliseconds / forwards), StringComparer.Ordinal)
            : null;
        var work = vulkan is null ? null : VulkanWork.PerForward(vulkan.Counters - before!, Math.Max(1, iterations));
        return new Result(backendName, threads, batch, seq, timing.MsMedian, timing.MsMin,
            batch / (timing.MsMedian / 1000.0), loadMs, ProcessMemory.PeakRssMb(), padRatio, bench.RealTokens,
            timing.AllocatedBytesPerRun)
        {
            SkipPadding = skip,
            AllocatedBytesPerForwardPlain = plain,
            WeightsMb = model.Report.ParameterCount * sizeof(float) / Mib,
            ActivationsMb = model.Backend switch
            {
                Electra.Cpu.CpuBackend cpu => cpu.ActivationBytes / Mib,
                Electra.Vulkan.VulkanBackend gpu => gpu.ActivationBytes / Mib,
                _ => null,
            },
            Vulkan = work,
            Profile = profile,
            GemmPath = vulkan?.GemmPath.ToString(),
            ActivationPrecision = vulkan?.ActivationPrecision.ToString(),
            HalfArithmetic = vulkan?.HalfArithmetic,
        };
    }

    const double Mib = 1024.0 * 1024.0;

    public static string ToJson(Result r) => new JsonObject
    {
        ["backend"] = r.Backend,
        ["threads"] = r.Threads,
        ["batch"] = r.Batch,
        ["seq"] = r.Seq,
        ["ms_median"] = Math.Round(r.MsMedian, 3),
        ["ms_min"] = Math.Round(r.MsMin, 3),
        ["sequences_per_second"] = Math.Round(r.SequencesPerSecond, 2),
        ["load_ms"] = Math.Round(r.LoadMs, 1),
        ["peak_rss_mb"] = Math.Round(r.PeakRssMb, 1),
        ["pad_ratio"] = r.PadRatio,
        ["real_tokens"] = r.RealTokens,
        ["skip_padding"] = r.SkipPadding,
        ["allocated_bytes_per_forward"] = r.AllocatedBytesPerForward,
        ["allocated_bytes_per_forward_plain"] = r.AllocatedBytesPerForwardPlain,
        ["rss_before_load_mb"] = Math.Round(r.RssBeforeLoadMb, 1),
        ["weights_mb"] = Math.Round(r.WeightsMb, 1),
        ["activations_mb"] = r.ActivationsMb is { } a ? Math.Round(a, 1) : null,
        ["dispatches"] = r.Vulkan?.Dispatches,
        ["barriers"] = r.Vulkan?.Barriers,
        ["submits"] = r.Vulkan?.Submits,
        ["allocations"] = r.Vulkan?.Allocations,
        ["gemm_path"] = r.GemmPath,
        ["activation_precision"] = r.ActivationPrecision,
        ["half_arithmetic"] = r.HalfArithmetic,
        ["profile"] = r.Profile is null ? null : new JsonObject(r.Profile.OrderByDescending(kv => kv.Value.Ms).Select(kv =>
            KeyValuePair.Create(kv.Key, (JsonNode?)new JsonObject { ["dispatches"] = kv.Value.Dispatches, ["ms"] = Math.Round(kv.Value.Ms, 4) }))),
    }.ToJsonString();

    static string Describe(Result r)
    {
        var activations = r.ActivationsMb is { } a ? string.Create(CultureInfo.InvariantCulture, $", activations {a:F0}") : "";
        var work = r.Vulkan is { } w
            ? string.Create(CultureInfo.InvariantCulture, $"; per forward {w.Dispatches:F0} dispatches, {w.Barriers:F0} barriers, {w.Submits:F0} submits, {w.Allocations:F0} allocations")
            : "";
        if (r.Profile is { } profile)
            work += "; GPU time per forward: " + string.Join(", ", profile.OrderByDescending(kv => kv.Value.Ms)
                .Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value.Ms:F3} ms ({kv.Value.Dispatches:F0}×)")));
        return string.Create(CultureInfo.InvariantCulture,
            $"{r.Backend} ({r.Threads} threads) batch {r.Batch} × seq {r.Seq}, pad ratio {r.PadRatio}{(r.SkipPadding ? " (padding skipped)" : "")}: " +
            $"median {r.MsMedian:F2} ms, min {r.MsMin:F2} ms, {r.SequencesPerSecond:F1} sequences/s; " +
            $"load {r.LoadMs:F0} ms, peak RSS {r.PeakRssMb:F0} MiB (runtime before load {r.RssBeforeLoadMb:F0}, weights {r.WeightsMb:F0}{activations} MiB), " +
            $"{r.AllocatedBytesPerForward} B allocated per forward in a session ({r.AllocatedBytesPerForwardPlain / 1024.0:F1} KiB per plain forward){work}");
    }
}
