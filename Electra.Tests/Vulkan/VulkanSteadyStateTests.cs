using Electra.Core.Configuration;
using Electra.Models;
using Electra.Tests.Support;
using Electra.Vulkan;

namespace Electra.Tests.Vulkan;

/// <summary>
/// A warm forward costs the host no Vulkan work beyond recording: no object created, no device memory allocated and
/// one queue submission, whatever outputs are read — counted inside the backend (<see cref="VulkanBackend.Counters"/>).
/// </summary>
[Collection("Vulkan")]
public sealed class VulkanSteadyStateTests
{
    private readonly VulkanFixture _fixture;

    public VulkanSteadyStateTests(VulkanFixture fixture) => _fixture = fixture;

    private static ElectraConfig ConfigWith(int layers) => new ElectraConfig
    {
        VocabSize = 40, EmbeddingSize = 8, HiddenSize = 12, NumHiddenLayers = layers, NumAttentionHeads = 3,
        IntermediateSize = 20, HiddenAct = "gelu", MaxPositionEmbeddings = 64,
    }.Validate();

    private static ElectraConfig Config => ConfigWith(2);

    private static ModelInputs Inputs(int batch, int seq, bool padded)
    {
        var rng = new Random(batch * 100 + seq);
        var ids = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, seq).Select(_ => rng.Next(1, 40)).ToArray()).ToArray();
        var mask = Enumerable.Range(0, batch).Select(b => Enumerable.Range(0, seq).Select(j => !padded || j < seq - b ? 1 : 0).ToArray()).ToArray();
        return ModelInputs.FromIds(ids, mask);
    }

    /// <summary>The counters over <paramref name="runs"/> session forwards after two warm-up forwards.</summary>
    private static VulkanCounters Steady(VulkanBackend backend, ElectraArchitecture architecture, ModelInputs inputs, ForwardOptions options,
        int runs, ElectraConfig? config = null)
    {
        var model = RandomModels.Model(config ?? Config, architecture, new Random(7), backend);
        using var session = model.CreateSession();
        for (int i = 0; i < 2; i++) session.Forward(inputs, options);
        var before = backend.Counters;
        for (int i = 0; i < runs; i++) session.Forward(inputs, options);
        return backend.Counters - before;
    }

    private void AssertSteady(VulkanCounters counted, int runs)
    {
        Assert.Equal(0, counted.ObjectsCreated);
        Assert.Equal(0, counted.MemoryAllocations);
        Assert.Equal(runs, counted.Submits);
        Assert.True(counted.Dispatches > 0);
        _fixture.AssertNoValidationMessages();
    }

    [VulkanFact]
    public void A_warm_forward_creates_nothing_allocates_nothing_and_submits_once()
    {
        AssertSteady(Steady(_fixture.Backend, ElectraArchitecture.ElectraForPreTraining, Inputs(2, 9, padded: false), ForwardOptions.Default, 3), 3);
    }

    /// <summary>Query/key/value fused, bias and activation inside the GEMMs, each output dense with its residual and
    /// LayerNorm in one dispatch: QKV, attention, output dense + LayerNorm, up, down + LayerNorm.</summary>
    [VulkanFact]
    public void An_encoder_layer_is_five_dispatches()
    {
        var inputs = Inputs(2, 9, padded: false);
        var one = Steady(_fixture.Backend, ElectraArchitecture.ElectraModel, inputs, ForwardOptions.Default, 1, ConfigWith(1));
        var three = Steady(_fixture.Backend, ElectraArchitecture.ElectraModel, inputs, ForwardOptions.Default, 1, ConfigWith(3));
        Assert.Equal(2 * 5, three.Dispatches - one.Dispatches);
        _fixture.AssertNoValidationMessages();
    }

    [VulkanFact]
    public void Padding_skipped_and_every_hidden_state_read_back_still_submit_once()
    {
        AssertSteady(Steady(_fixture.Backend, ElectraArchitecture.ElectraForTokenClassification, Inputs(3, 7, padded: true), ForwardOptions.RealTokensOnly, 2), 2);
        AssertSteady(Steady(_fixture.Backend, ElectraArchitecture.ElectraForMaskedLM, Inputs(2, 6, padded: true), ForwardOptions.Everything, 2), 2);
    }

    [VulkanFact]
    public void Discrete_gpu_reads_copy_every_output_in_the_one_submission()
    {
        _fixture.Backend.ForceStagedReads = true;
        try
        {
            AssertSteady(Steady(_fixture.Backend, ElectraArchitecture.ElectraForMaskedLM, Inputs(2, 6, padded: true), ForwardOptions.Everything, 2), 2);
        }
        finally
        {
            _fixture.Backend.ForceStagedReads = false;
        }
    }

    [VulkanFact]
    public void Bench_reports_the_vulkan_work_of_a_timed_forward()
    {
        var model = RandomModels.Model(Config, ElectraArchitecture.ElectraForPreTraining, new Random(7), _fixture.Backend);
        var result = Electra.Cli.Commands.BenchCommand.Measure(model, "vulkan", 1, batch: 2, seq: 8, padRatio: 0, warmup: 1, iterations: 2, loadMs: 0);
        var json = System.Text.Json.Nodes.JsonNode.Parse(Electra.Cli.Commands.BenchCommand.ToJson(result))!;
        Assert.Equal(1.0, (double)json["submits"]!);
        Assert.Equal(0.0, (double)json["allocations"]!);
        Assert.True((double)json["dispatches"]! >= 2 * 7 && (double)json["barriers"]! >= 1);
        Assert.Equal("Float32", (string)json["gemm_path"]!);
        _fixture.AssertNoValidationMessages();
    }

    [VulkanFact]
    public void Bench_on_vulkan_in_f16_with_profile_prints_counters_and_per_operation_gpu_time()
    {
        var model = Path.Combine(SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator");
        var stdout = new StringWriter();
        int code = Electra.Cli.CommandLine.Run(["bench", "--model", model, "--backend", "vulkan", "--precision", "f16", "--profile",
            "--batch", "1", "--seq", "12", "--warmup", "1", "--iterations", "1", "--json"], stdout, TextWriter.Null);
        Assert.Equal(0, code);
        var json = System.Text.Json.Nodes.JsonNode.Parse(stdout.ToString().Trim())!;
        Assert.Equal(1.0, (double)json["submits"]!);
        Assert.Equal(0.0, (double)json["allocations"]!);
        var profile = json["profile"]!.AsObject();
        // The fused query/key/value kernel of the device's float16 GEMM path: matrix cores where it has them, else the
        // GPU- or the CPU-shaped kernel (matmul_multi_f16, matmul_multi_cpu_f16), whichever the device runs, in its
        // float16-activation variant where the device stores activations in half (lavapipe does).
        string act = (string)json["activation_precision"]! == "Float16" ? "_f16act" : "";
        string? coopmat = (string)json["gemm_path"]! switch
        {
            "CooperativeMatrixKhr" => "matmul_coopmat_multi" + act + "+khr",
            "CooperativeMatrixNV" => "matmul_coopmat_multi" + act,
            _ => null,
        };
        var qkv = Assert.Single(profile, kv => coopmat != null ? kv.Key == coopmat
            : kv.Key.StartsWith("matmul_multi", StringComparison.Ordinal) && kv.Key.EndsWith("_f16" + act, StringComparison.Ordinal));
        Assert.All(profile, kv => Assert.EndsWith(act, kv.Key.Replace("+khr", "", StringComparison.Ordinal)));
        Assert.True((double)qkv.Value!["dispatches"]! >= 1);
    }

    [Theory]
    [InlineData("--precision", "f16")]
    [InlineData("--profile")]
    [InlineData("--precision", "f8", "--backend", "vulkan")]
    public void Precision_and_profile_need_the_vulkan_backend(params string[] extra)
    {
        Assert.Equal(Electra.Cli.ExitCodes.Usage,
            Electra.Cli.CommandLine.Run(["bench", "--model", "x", "--batch", "1", "--seq", "8", .. extra], TextWriter.Null, TextWriter.Null));
    }

    [VulkanFact]
    public void Profiling_times_every_shader_with_gpu_timestamps()
    {
        using var backend = VulkanBackend.Create(new VulkanOptions { EnableValidation = true, Profile = true, PipelineCacheDirectory = "" });
        var counted = Steady(backend, ElectraArchitecture.ElectraForPreTraining, Inputs(1, 5, padded: false), ForwardOptions.Default, 1);
        var profile = backend.Profile;
        Assert.Equal(0, counted.Allocations);   // the query pool belongs to the pass, made before the timed forward
        // GPU- or CPU-shaped (matmul_multi, matmul_multi_cpu), whichever the device runs.
        Assert.Contains(profile.Keys, k => k.StartsWith("matmul_multi", StringComparison.Ordinal));
        Assert.Contains(profile.Keys, k => k.StartsWith("matmul_layernorm", StringComparison.Ordinal));
        Assert.Contains(profile.Keys, k => k.StartsWith("flash_attention", StringComparison.Ordinal));
        Assert.All(profile.Values, t => Assert.True(t.Dispatches > 0 && t.Milliseconds >= 0));
        Assert.True(profile.Values.Sum(t => t.Dispatches) >= counted.Dispatches);
        Assert.Empty(backend.ValidationMessages);
    }

    [VulkanFact]
    public void Descriptor_sets_are_the_fallback_without_push_descriptors_and_stay_allocation_free()
    {
        using var backend = VulkanBackend.Create(new VulkanOptions { EnableValidation = true, ForceDescriptorSets = true, PipelineCacheDirectory = "" });
        Assert.False(backend.UsesPushDescriptors);
        AssertCounted(Steady(backend, ElectraArchitecture.ElectraForPreTraining, Inputs(1, 5, padded: false), ForwardOptions.Default, 2), 2);
        Assert.Empty(backend.ValidationMessages);

        static void AssertCounted(VulkanCounters c, int runs)
        {
            Assert.Equal(0, c.Allocations);
            Assert.Equal(runs, c.Submits);
        }
    }
}
