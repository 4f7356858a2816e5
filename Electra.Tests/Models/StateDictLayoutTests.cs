using System.Collections.Immutable;
using Electra.Core.Checkpoints;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Models;
using Electra.Models.Loading;
using Electra.Tests.Allocation;
using Electra.Tests.Support;

namespace Electra.Tests.Models;

/// <summary>
/// The state-dict layout is what transformers saved: for every shared fixture (written by save_pretrained), the
/// expected keys and shapes are exactly the checkpoint's; and a layout builds a model that loads without unused keys.
/// </summary>
public sealed class StateDictLayoutTests
{
    public static TheoryData<string> Fixtures() => [.. SessionInputs.FixtureNames()];

    [Theory]
    [MemberData(nameof(Fixtures))]
    public void LayoutIsTheCheckpointTransformersSaved(string caseName)
    {
        var fixture = FixtureCase.Load(caseName);
        var config = ElectraConfigJson.Load(Path.Combine(fixture.Folder, "config.json"));
        using var weights = CheckpointLoader.Open(fixture.Folder);
        var expected = StateDictLayout.Expected(config, ElectraArchitectures.Parse(fixture.ClassName))
            .ToDictionary(e => e.Key, e => string.Join("x", e.Shape));
        var saved = weights.Keys.ToDictionary(k => k, k => string.Join("x", weights.GetInfo(k).Shape));
        Assert.Equal(saved.OrderBy(kv => kv.Key, StringComparer.Ordinal), expected.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void SummaryProjectionToLabelsIsInTheLayout()
    {
        // summary_proj_to_labels: SequenceSummary projects to num_labels; with num_labels == hidden_size transformers
        // runs it, and the layout must say [num_labels, H] for the projection.
        var config = new ElectraConfig
        {
            VocabSize = 30, EmbeddingSize = 8, HiddenSize = 8, NumHiddenLayers = 1, NumAttentionHeads = 2, IntermediateSize = 12,
            MaxPositionEmbeddings = 16, Id2Label = ElectraConfig.DefaultLabels(8),
            ExtraFields = ImmutableSortedDictionary<string, string>.Empty.Add("summary_proj_to_labels", "true"),
        }.Validate();
        var layout = StateDictLayout.Expected(config, ElectraArchitecture.ElectraForMultipleChoice).ToDictionary(e => e.Key, e => e.Shape);
        Assert.Equal([8, 8], layout["sequence_summary.summary.weight"].ToArray());
        Assert.Equal([1, 8], layout["classifier.weight"].ToArray());
        using var backend = new CpuBackend();
        var model = RandomModels.Model(config, ElectraArchitecture.ElectraForMultipleChoice, new Random(3), backend);
        Assert.Empty(model.Report.UnusedKeys);

        // num_labels ≠ hidden_size: transformers saves a [num_labels, H] projection (the layout says so), but its
        // classifier cannot take the narrow summary, so loading is a typed error, not a crash at the first forward.
        var narrow = config with { Id2Label = ElectraConfig.DefaultLabels(3), Label2Id = ImmutableSortedDictionary<string, int>.Empty };
        var narrowLayout = StateDictLayout.Expected(narrow, ElectraArchitecture.ElectraForMultipleChoice).ToDictionary(e => e.Key, e => e.Shape);
        Assert.Equal([3, 8], narrowLayout["sequence_summary.summary.weight"].ToArray());
        Assert.Equal([1, 8], narrowLayout["classifier.weight"].ToArray());
        var error = Assert.Throws<ConfigException>(() => RandomModels.Model(narrow, ElectraArchitecture.ElectraForMultipleChoice, new Random(3), backend));
        Assert.Contains("summary_proj_to_labels", error.Message);
    }

    [Fact]
    public void ModelsBuiltFromRecordsRunAndWithReplacesAModule()
    {
        using var backend = new CpuBackend();
        var config = RandomModels.Config(new Random(5));
        var loaded = RandomModels.Model(config, ElectraArchitecture.ElectraForSequenceClassification, new Random(6), backend);
        var inputs = ModelInputs.FromIds([[1, 4, 9, 2]]);
        var logits = loaded.Forward(inputs).Logits!;
        // The same records through the public constructor give the same model.
        var rebuilt = new ElectraPretrained(loaded.Config, loaded.Body, loaded.Head, backend);
        Assert.Equal(logits, rebuilt.Forward(inputs).Logits!);
        Assert.Equal(ElectraArchitecture.ElectraForSequenceClassification, rebuilt.Architecture);
        // Swapping the query of layer 0 for its key changes the answer: the forward reads the record, not a stale copy.
        var layer = loaded.Body.Encoder.Layers[0];
        var self = layer.Attention.Self;
        var swapped = loaded with
        {
            Body = loaded.Body with
            {
                Encoder = loaded.Body.Encoder with
                {
                    Layers = loaded.Body.Encoder.Layers.SetItem(0, layer with { Attention = layer.Attention with { Self = self with { Query = self.Key } } }),
                },
            },
        };
        Assert.Same(self.Key, swapped.Body.Encoder.Layers[0].Attention.Self.Projections[0]);
        Assert.NotEqual(logits, swapped.Forward(inputs).Logits!);
        Assert.Equal(logits, loaded.Forward(inputs).Logits!);
    }
}
