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

    /// <summary>Query/key/value fused, bias and activation inside the GEMMs, the residual inside the LayerNorms:
    /// QKV, attention, output dense, LayerNorm, up, down, LayerNorm.</summary>
    [VulkanFact]
    public void An_encoder_layer_is_seven_dispatches()
    {
        var inputs = Inputs(2, 9, padded: false);
        var one = Steady(_fixture.Backend, ElectraArchitecture.ElectraModel, inputs, ForwardOptions.Default, 1, ConfigWith(1));
        var three = Steady(_fixture.Backend, ElectraArchitecture.ElectraModel, inputs, ForwardOptions.Default, 1, ConfigWith(3));
        Assert.Equal(2 * 7, three.Dispatches - one.Dispatches);
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
