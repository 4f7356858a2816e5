using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Models;

/// <summary>
/// A ragged batch runs every row as if alone: on the CPU bit for bit (each row is its own segment, and the kernels
/// reduce each row on its own), and within float rounding of the padded forward transformers' fixtures check.
/// </summary>
public class RaggedBatchProperties
{
    private static readonly ElectraArchitecture[] Heads =
    [
        ElectraArchitecture.ElectraModel, ElectraArchitecture.ElectraForPreTraining, ElectraArchitecture.ElectraForMaskedLM,
        ElectraArchitecture.ElectraForCausalLM, ElectraArchitecture.ElectraForSequenceClassification,
        ElectraArchitecture.ElectraForTokenClassification, ElectraArchitecture.ElectraForQuestionAnswering,
        ElectraArchitecture.ElectraForMultipleChoice,
    ];

    [Property(MaxTest = 40)]
    public Property EachRowOfARaggedBatchIsBitwiseTheRowAlone() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var (model, rows, types, backend) = RandomCase(seed);
            using (backend)
            {
                var batched = model.Forward(RaggedBatch.FromRows(rows, types));
                for (int r = 0; r < rows.Length; r++)
                {
                    var alone = model.Forward(RaggedBatch.FromRows([rows[r]], [types[r]]));
                    foreach (var (name, together, single) in Rows(batched, r).Zip(Rows(alone, 0), (a, b) => (a.Name, a.Values, b.Values)))
                        if (!together.Span.SequenceEqual(single.Span))
                            return false.Label($"{model.Architecture} row {r} of {rows.Length}: {name} differs from the row alone");
                }
                return true.ToProperty();
            }
        });

    [Property(MaxTest = 25)]
    public Property EachRowMatchesThePaddedForwardOfTheRow() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var (model, rows, types, backend) = RandomCase(seed);
            using (backend)
            {
                var batched = model.Forward(RaggedBatch.FromRows(rows, types));
                for (int r = 0; r < rows.Length; r++)
                {
                    var padded = Padded(model, rows[r], types[r]);
                    foreach (var (name, values) in Rows(batched, r))
                        TensorAssert.Close($"{model.Architecture} row {r} {name}", padded[name].Span, values.Span, 2e-5, 2e-5);
                }
                return true.ToProperty();
            }
        });

    [Fact]
    public void EachHeadGivesItsKindOfOutputsWithTheRowsShapes()
    {
        foreach (var head in Heads)
        {
            var rng = new Random(5);
            using var backend = new CpuBackend();
            var config = RandomModels.Config(rng);
            var model = RandomModels.Model(config, head, rng, backend);
            var outputs = model.Forward(RaggedBatch.FromRows([[2, 3, 4], [5], [6, 7]]));
            Assert.Equal(3, outputs.Count);
            switch (outputs)
            {
                case TokenValues t:
                    Assert.Equal([3, 1, 2], Enumerable.Range(0, 3).Select(t.RowLength));
                    Assert.Equal(head switch
                    {
                        ElectraArchitecture.ElectraModel => config.HiddenSize,
                        ElectraArchitecture.ElectraForPreTraining => 1,
                        ElectraArchitecture.ElectraForTokenClassification => config.NumLabels,
                        _ => config.VocabSize,
                    }, t.Width);
                    Assert.Equal(t.Width, t.Row(1).Length);
                    break;
                case StartEndLogits qa:
                    Assert.Equal(ElectraArchitecture.ElectraForQuestionAnswering, head);
                    Assert.Equal(2, qa.StartLogits.Row(2).Length);
                    Assert.Equal(2, qa.EndLogits.Row(2).Length);
                    break;
                case RowValues v:
                    Assert.Contains(head, new[] { ElectraArchitecture.ElectraForSequenceClassification, ElectraArchitecture.ElectraForMultipleChoice });
                    Assert.Equal(head == ElectraArchitecture.ElectraForMultipleChoice ? 1 : config.NumLabels, v.Width);
                    break;
            }
        }
    }

    [Fact]
    public void AskingForAnotherKindOfOutputIsAConfigError()
    {
        var rng = new Random(9);
        using var backend = new CpuBackend();
        var model = RandomModels.Model(RandomModels.Config(rng), ElectraArchitecture.ElectraForSequenceClassification, rng, backend);
        var batch = RaggedBatch.FromRows([[1, 2]]);
        var e = Assert.Throws<ConfigException>(() => model.Forward<TokenValues>(batch));
        Assert.Contains("RowValues", e.Message);
        Assert.Equal(1, model.Forward<RowValues>(batch).Count);
    }

    [Fact]
    public void BadRowsAreInputErrorsNamingRowAndToken()
    {
        var rng = new Random(3);
        using var backend = new CpuBackend();
        var config = RandomModels.Config(rng);
        var model = RandomModels.Model(config, ElectraArchitecture.ElectraForPreTraining, rng, backend);
        Assert.Contains("row 1 is empty", Assert.Throws<InputException>(() => RaggedBatch.FromRows([[1], []])).Message);
        Assert.Throws<InputException>(() => RaggedBatch.FromRows([]));
        Assert.Contains("row 0 has 1 values", Assert.Throws<InputException>(() => RaggedBatch.FromRows([[1, 2]], [[0]])).Message);
        var outside = Assert.Throws<InputException>(() => model.Forward(RaggedBatch.FromRows([[1, 2], [3, config.VocabSize]])));
        Assert.Contains("row 1, token 1", outside.Message);
        var type = Assert.Throws<InputException>(() => model.Forward(RaggedBatch.FromRows([[1, 2]], [[0, 7]])));
        Assert.Contains("row 0, token 1", type.Message);
        var tooLong = Enumerable.Repeat(1, config.MaxPositionEmbeddings + 1).ToArray();
        Assert.Contains("max_position_embeddings", Assert.Throws<InputException>(() => model.Forward(RaggedBatch.FromRows([[1], tooLong]))).Message);
    }

    [Fact]
    public void BatchesAndOutputsAreEqualWhenTheirValuesAre()
    {
        Assert.Equal(RaggedBatch.FromRows([[1, 2], [3]]), RaggedBatch.FromRows([[1, 2], [3]]));
        Assert.NotEqual(RaggedBatch.FromRows([[1, 2], [3]]), RaggedBatch.FromRows([[1], [2, 3]]));
        var a = new TokenValues(HostTensor.Create([1f, 2f, 3f], 3, 1), [0, 2, 3]);
        Assert.Equal(a, new TokenValues(HostTensor.Create([1f, 2f, 3f], 3, 1), [0, 2, 3]));
        Assert.NotEqual(a, new TokenValues(HostTensor.Create([1f, 2f, 3f], 3, 1), [0, 1, 3]));
        Assert.Equal(new RowValues(HostTensor.Create([1f, 2f], 1, 2)), new RowValues(HostTensor.Create([1f, 2f], 1, 2)));
    }

    private static (ElectraPretrained Model, int[][] Rows, int[][] Types, CpuBackend Backend) RandomCase(int seed)
    {
        var rng = new Random(seed);
        var head = Heads[rng.Next(Heads.Length)];
        var backend = new CpuBackend();
        var config = RandomModels.Config(rng, isDecoder: head == ElectraArchitecture.ElectraForCausalLM && rng.Next(2) == 0);
        if (head == ElectraArchitecture.ElectraForMultipleChoice)
            config = config with { SummaryType = new[] { "first", "last", "mean", "cls_index" }[rng.Next(4)] };
        var model = RandomModels.Model(config, head, rng, backend);
        int count = rng.Next(1, 7);
        var rows = Enumerable.Range(0, count).Select(_ =>
            Enumerable.Range(0, rng.Next(1, 24)).Select(_ => rng.Next(config.VocabSize)).ToArray()).ToArray();
        var types = rows.Select(r => r.Select((_, t) => t < r.Length / 2 ? 0 : 1).ToArray()).ToArray();
        return (model, rows, types, backend);
    }

    /// <summary>Every per-row output of row <paramref name="r"/> under transformers' output name.</summary>
    private static IEnumerable<(string Name, ReadOnlyMemory<float> Values)> Rows(RowOutputs outputs, int r) => outputs switch
    {
        TokenValues t => [("tokens", t.Row(r))],
        StartEndLogits qa => [("start_logits", qa.StartLogits.Row(r)), ("end_logits", qa.EndLogits.Row(r))],
        RowValues v => [("logits", v.Row(r))],
        _ => throw new ArgumentOutOfRangeException(nameof(outputs)),
    };

    /// <summary>The row alone through the padded (transformers-shaped) forward, under the names <see cref="Rows"/> uses.</summary>
    private static Dictionary<string, HostTensor> Padded(ElectraPretrained model, int[] ids, int[] types)
    {
        var multipleChoice = model.Architecture == ElectraArchitecture.ElectraForMultipleChoice;
        var shape = multipleChoice ? new[] { 1, 1, ids.Length } : new[] { 1, ids.Length };
        var output = model.Forward(new ModelInputs
        {
            InputIds = HostIntTensor.Create(ids, shape),
            TokenTypeIds = HostIntTensor.Create(types, shape),
        });
        return output.Tensors.ToDictionary(kv => kv.Key is "logits" or "last_hidden_state" && !IsPerRow(model) ? "tokens" : kv.Key, kv => kv.Value);
    }

    private static bool IsPerRow(ElectraPretrained model) =>
        model.Architecture is ElectraArchitecture.ElectraForSequenceClassification or ElectraArchitecture.ElectraForMultipleChoice;
}
