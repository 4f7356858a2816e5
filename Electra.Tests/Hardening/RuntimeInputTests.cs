using Electra.Cli;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Hardening;

/// <summary>
/// Bad runtime inputs through <see cref="ElectraPretrained.Forward(ModelInputs, ForwardOptions?, CancellationToken)"/> and through `electra forward`: an
/// <see cref="InputException"/> naming the tensor and the position, never a crash or a silently wrong answer.
/// The fixture model has vocab_size 200, max_position_embeddings 64 and type_vocab_size 2.
/// </summary>
public sealed class RuntimeInputTests : IDisposable
{
    private readonly CpuBackend _backend = new();
    private readonly ElectraPretrained _model;
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-inputs-").FullName;

    public RuntimeInputTests() => _model = ElectraPretrained.Load(SharedData.Fixture("pretraining_gelu"), _backend);

    public void Dispose()
    {
        _backend.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static HostIntTensor Ints(int[] data, params int[] shape) => HostIntTensor.Create(data, shape);

    public static TheoryData<string, string, string[]> BadInputs() => new()
    {
        { "id at vocab_size", """{"input_ids": [[1, 2], [3, 200]]}""", ["input_ids", "id 200", "row 1, token 1", "[0, 200)"] },
        { "negative id", """{"input_ids": [[1, -7, 2]]}""", ["input_ids", "id -7", "row 0, token 1"] },
        { "longer than max_position_embeddings", "{\"input_ids\": [[" + string.Join(",", Enumerable.Repeat(5, 65)) + "]]}", ["sequence length 65", "max_position_embeddings 64", "truncate"] },
        { "token type at type_vocab_size", """{"input_ids": [[1, 2, 3]], "token_type_ids": [[0, 0, 2]]}""", ["token_type_ids", "value 2", "row 0, token 2", "[0, 2)"] },
        { "negative token type", """{"input_ids": [[1, 2, 3]], "token_type_ids": [[0, -1, 0]]}""", ["token_type_ids", "value -1", "row 0, token 1"] },
        { "mask shape differs from ids", """{"input_ids": [[1, 2, 3]], "attention_mask": [[1, 1]]}""", ["attention_mask", "[1, 2]", "[1, 3]"] },
        { "mask value not 0/1", """{"input_ids": [[1, 2, 3]], "attention_mask": [[1, 2, 1]]}""", ["attention_mask", "value 2", "row 0, token 1"] },
        { "position id out of range", """{"input_ids": [[1, 2, 3]], "position_ids": [[0, 1, 64]]}""", ["position_ids", "position 64", "row 0, token 2"] },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void ForwardRefusesBadInputsNamingThePosition(string label, string json, string[] expected)
    {
        var path = Path.Combine(_dir, "inputs.json");
        File.WriteAllText(path, json);
        var inputs = ModelInputsJson.Load(path);
        var ex = Assert.Throws<InputException>(() => _model.Forward(inputs));
        foreach (var part in expected) Assert.Contains(part, ex.Message);
        Assert.NotNull(label);
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void CliForwardRefusesBadInputsWithOneLineAndExitCode1(string label, string json, string[] expected)
    {
        var inputs = Path.Combine(_dir, "inputs.json");
        File.WriteAllText(inputs, json);
        var outPath = Path.Combine(_dir, "out.safetensors");
        var stderr = new StringWriter();
        int code = CommandLine.Run(["forward", "--model", SharedData.Fixture("pretraining_gelu"), "--inputs", inputs, "--out", outPath],
            new StringWriter(), stderr);
        Assert.Equal(1, code);
        Assert.Single(stderr.ToString().Trim().Split('\n'));
        foreach (var part in expected) Assert.Contains(part, stderr.ToString());
        Assert.False(File.Exists(outPath), label);
    }

    [Fact]
    public void EmptyBatchIsRefused()
    {
        var ex = Assert.Throws<InputException>(() => _model.Forward(new ModelInputs { InputIds = Ints([], 0, 4) }));
        Assert.Contains("empty batch", ex.Message);
        Assert.Contains("[0, 4]", ex.Message);
        Assert.Contains("empty sequence", Assert.Throws<InputException>(() => _model.Forward(new ModelInputs { InputIds = Ints([], 2, 0) })).Message);
    }

    [Fact]
    public void RaggedRowsAreRefusedNamingTheRow()
    {
        var ex = Assert.Throws<InputException>(() => ModelInputs.FromIds([[1, 2, 3], [4, 5, 6], [7, 8]]));
        Assert.Contains("row 2 has 2 values, row 0 has 3", ex.Message);
        var path = Path.Combine(_dir, "ragged.json");
        File.WriteAllText(path, """{"input_ids": [[1, 2, 3], [4, 5]]}""");
        Assert.IsAssignableFrom<ElectraException>(Record.Exception(() => ModelInputsJson.Load(path)));
    }

    [Fact]
    public void WrongRankIsRefused()
    {
        var ex = Assert.Throws<InputException>(() => _model.Forward(new ModelInputs { InputIds = Ints([1, 2, 3], 3) }));
        Assert.Contains("[batch, seq]", ex.Message);
    }

    [Fact]
    public void ExactlyMaxPositionEmbeddingsIsAccepted()
    {
        var output = _model.Forward(ModelInputs.FromIds([Enumerable.Repeat(5, 64).ToArray()]));
        Assert.Equal([1, 64], output.Tensors["logits"].Shape.ToArray());
    }

    [Fact]
    public void OverlongTextIsRefusedUnlessTruncationWasAsked()
    {
        var folder = Path.Combine(SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator");
        using var backend = new CpuBackend();
        var model = ElectraPretrained.Load(folder, backend);
        var tokenizer = Electra.Tokenizer.BertTokenizer.Load(folder);
        var text = string.Join(" ", Enumerable.Repeat("the quick brown fox jumps over the lazy dog", 80));
        ModelInputs Inputs(Electra.Tokenizer.EncodeOptions options)
        {
            var e = tokenizer.Encode(text, null, options);
            return ModelInputs.FromIds([e.InputIds.ToArray()], [e.AttentionMask.ToArray()], [e.TokenTypeIds.ToArray()]);
        }
        int max = model.Config.MaxPositionEmbeddings;
        var ex = Assert.Throws<InputException>(() => model.Forward(Inputs(Electra.Tokenizer.EncodeOptions.Default)));
        Assert.Contains($"max_position_embeddings {max}", ex.Message);
        var truncated = new Electra.Tokenizer.EncodeOptions { Truncation = Electra.Tokenizer.TruncationStrategy.LongestFirst, MaxLength = max };
        Assert.Equal(max, model.Forward(Inputs(truncated)).Tensors["logits"].Shape[1]);
    }

    [Fact]
    public void ModelStaysUsableAfterRefusedInputs()
    {
        var good = ModelInputs.FromIds([[1, 2, 3]]);
        var before = _model.Forward(good).Tensors["logits"].ToArray();
        Assert.Throws<InputException>(() => _model.Forward(ModelInputs.FromIds([[1, 2, 999]])));
        Assert.Equal(before, _model.Forward(good).Tensors["logits"].ToArray());
    }
}
