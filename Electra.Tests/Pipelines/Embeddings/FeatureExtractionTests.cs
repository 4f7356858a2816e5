using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Models;
using Electra.Models.Pipelines;
using Electra.Tests.Support;

namespace Electra.Tests.Pipelines.Embeddings;

/// <summary>feature-extraction: every token's last hidden state, as one unpadded forward of the row gives it.</summary>
public sealed class FeatureExtractionTests : IDisposable
{
    private readonly CpuBackend _backend = new();

    public void Dispose() => _backend.Dispose();

    private FeatureExtraction Load(int? maxLength = null)
    {
        var model = ElectraPretrained.Load(SharedData.Fixture("model_proj_gelu"), _backend, ElectraArchitecture.ElectraModel);
        return new FeatureExtraction(new PipelineModel(model, TinyVocab.Numbered(model.Config.VocabSize),
            new PipelineSettings(2, maxLength), ElectraArchitecture.ElectraModel, "test"));
    }

    [Fact]
    public void EveryTokenIncludingSpecialTokens()
    {
        var features = Load();
        var texts = new[] { "w5 w6", "w7 w8 w9 w10 w11", "" };
        var results = features.Run(texts);
        for (int i = 0; i < texts.Length; i++)
        {
            var e = features.Pipeline.Tokenizer.Encode(texts[i]);
            var alone = features.Pipeline.Model.Forward(ModelInputs.FromIds([e.InputIds.ToArray()])).LastHiddenState!;
            Assert.Equal(e.Tokens.AsEnumerable(), results[i].Tokens.AsEnumerable());
            Assert.Equal("[CLS]", results[i].Tokens[0]);
            Assert.Equal(32, results[i].HiddenSize);
            TensorAssert.Close($"text {i}", alone.Span, results[i].Values.AsSpan(), 1e-5, 1e-5);
            TensorAssert.Close($"text {i} token 1", alone.Span.Slice(32, 32), results[i].Token(1), 1e-5, 1e-5);
        }
    }

    [Fact]
    public void LongInputsNeedTruncation()
    {
        var features = Load(maxLength: 6);
        const string text = "w5 w6 w7 w8 w9 w10 w11";
        var error = Assert.Throws<InputException>(() => features.Run(text));
        Assert.Contains("9 tokens", error.Message);
        var truncated = features.Run(text, new FeatureExtractionOptions(Truncation: true));
        Assert.Equal(["[CLS]", "w5", "w6", "w7", "w8", "[SEP]"], truncated.Tokens.AsEnumerable());
        Assert.Equal(4, features.Run(text, new FeatureExtractionOptions(Truncation: true, MaxLength: 4)).Tokens.Length);
    }
}
