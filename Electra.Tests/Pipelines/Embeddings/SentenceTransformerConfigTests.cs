using Electra.Core.Errors;
using Electra.Models.Pipelines;

namespace Electra.Tests.Pipelines.Embeddings;

/// <summary>Reading sentence-transformers' files as its loader does, and refusing what we cannot follow by file and key.</summary>
public sealed class SentenceTransformerConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("st-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private void Write(string relative, string json)
    {
        var path = Path.Combine(_dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
    }

    private const string Modules = """
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
         {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
         {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
        """;

    [Fact]
    public void AllMiniLmStyleFolder()
    {
        Write("modules.json", Modules);
        Write("1_Pooling/config.json", """{"word_embedding_dimension": 384, "pooling_mode_cls_token": false, "pooling_mode_mean_tokens": true, "pooling_mode_max_tokens": false, "pooling_mode_mean_sqrt_len_tokens": false}""");
        Write("sentence_bert_config.json", """{"max_seq_length": 256, "do_lower_case": false}""");
        Write("config_sentence_transformers.json", """{"__version__": {"sentence_transformers": "2.0.0"}, "prompts": {}, "default_prompt_name": null, "similarity_fn_name": null}""");
        var c = SentenceTransformerConfigJson.Load(_dir);
        Assert.Equal([PoolingMode.Mean], c.Pooling.Modes.AsEnumerable());
        Assert.True(c.Pooling.IncludePrompt);
        Assert.True(c.Normalize);
        Assert.Equal(256, c.MaxSeqLength);
        Assert.False(c.DoLowerCase);
        Assert.Empty(c.Prompts);
        Assert.Null(c.DefaultPromptName);
        Assert.Equal(SimilarityFunction.Cosine, c.SimilarityFunction);
        Assert.Equal("sentence-transformers", c.Source);
    }

    [Fact]
    public void PromptsSimilarityAndSeveralModes()
    {
        Write("modules.json", """[{"type": "sentence_transformers.models.Transformer", "path": ""}, {"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"}]""");
        // Missing flags take the constructor's defaults: mean on unless said otherwise.
        Write("1_Pooling/config.json", """{"pooling_mode_lasttoken": true, "pooling_mode_cls_token": true, "include_prompt": false}""");
        Write("config_sentence_transformers.json", """{"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": "query", "similarity_fn_name": "dot"}""");
        var c = SentenceTransformerConfigJson.Load(_dir);
        Assert.Equal([PoolingMode.Cls, PoolingMode.Mean, PoolingMode.LastToken], c.Pooling.OrderedModes.AsEnumerable());
        Assert.False(c.Pooling.IncludePrompt);
        Assert.Equal("cls+mean+lasttoken (prompt excluded)", c.Pooling.ToString());
        Assert.False(c.Normalize);
        Assert.Equal("query: ", c.Prompts["query"]);
        Assert.Equal("query", c.DefaultPromptName);
        Assert.Equal(SimilarityFunction.Dot, c.SimilarityFunction);
    }

    [Fact]
    public void APoolingModeStringOverridesTheFlags()
    {
        Write("modules.json", """[{"type": "sentence_transformers.models.Transformer"}, {"type": "sentence_transformers.models.Pooling", "path": "p"}]""");
        Write("p/config.json", """{"pooling_mode": "weightedmean", "pooling_mode_mean_tokens": true}""");
        Assert.Equal([PoolingMode.WeightedMean], SentenceTransformerConfigJson.Load(_dir).Pooling.Modes.AsEnumerable());
    }

    [Theory]
    [InlineData("modules.json", """[{"type": "sentence_transformers.models.Transformer"}, {"type": "sentence_transformers.models.Dense", "path": "2_Dense"}]""", "sentence_transformers.models.Dense")]
    [InlineData("modules.json", """{"not": "a list"}""", "JSON array")]
    [InlineData("modules.json", """[{"type": "sentence_transformers.models.Transformer"}]""", "no Pooling module")]
    [InlineData("modules.json", """[{"type": "sentence_transformers.models.Transformer"}, {"type": "sentence_transformers.models.Pooling", "path": "missing"}]""", "missing")]
    [InlineData("1_Pooling/config.json", """{"pooling_mode_mean_tokens": "yes"}""", "pooling_mode_mean_tokens")]
    [InlineData("1_Pooling/config.json", """{"pooling_mode_mean_tokens": false}""", "no pooling mode")]
    [InlineData("1_Pooling/config.json", """{"pooling_mode": "median"}""", "median")]
    [InlineData("sentence_bert_config.json", """{"max_seq_length": -3}""", "max_seq_length")]
    [InlineData("config_sentence_transformers.json", """{"prompts": {"a": "x"}, "default_prompt_name": "b"}""", "default_prompt_name 'b'")]
    [InlineData("config_sentence_transformers.json", """{"similarity_fn_name": "jaccard"}""", "similarity_fn_name")]
    [InlineData("config_sentence_transformers.json", """{"prompts": {"a": 3}}""", "prompts.a")]
    [InlineData("config_sentence_transformers.json", """{"prompts": """, "not valid JSON")]
    public void BadFilesAreConfigErrorsNamingTheFileAndKey(string file, string json, string expected)
    {
        Write("modules.json", Modules);
        Write("1_Pooling/config.json", "{}");
        Write(file, json);
        var error = Assert.Throws<ConfigException>(() => SentenceTransformerConfigJson.Load(_dir));
        Assert.Contains(expected, error.Message);
        if (file != "modules.json" || !expected.Contains("missing")) Assert.Contains(Path.GetFileName(file), error.Message);
    }
}
