using System.Text.Json.Nodes;
using Electra.Tokenizer;

namespace Electra.Tests.Tokenizer;

/// <summary>
/// Tokenizer files as a hostile user would write them: each test makes the file itself and expects a typed
/// <see cref="TokenizerFormatException"/> naming the file and field, never another exception, a hang or an
/// unbounded read.
/// </summary>
public sealed class HostileTokenizerFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-hostile-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] SmallVocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "##a", "##b"];

    /// <summary>A minimal BERT tokenizer.json over <see cref="SmallVocab"/>.</summary>
    internal static JsonObject MinimalTokenizerJson()
    {
        var vocab = new JsonObject();
        for (int i = 0; i < SmallVocab.Length; i++) vocab[SmallVocab[i]] = i;
        JsonObject Special(string t, int type) => new() { ["SpecialToken"] = new JsonObject { ["id"] = t, ["type_id"] = type } };
        JsonObject Seq(string id, int type) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = type } };
        return new JsonObject
        {
            ["normalizer"] = new JsonObject { ["type"] = "BertNormalizer", ["lowercase"] = true },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special("[CLS]", 0), Seq("A", 0), Special("[SEP]", 0)),
                ["pair"] = new JsonArray(Special("[CLS]", 0), Seq("A", 0), Special("[SEP]", 0), Seq("B", 1), Special("[SEP]", 1)),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##", ["max_input_chars_per_word"] = 100,
                ["vocab"] = vocab,
            },
        };
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Minimal_tokenizer_json_loads()
    {
        var tok = BertTokenizer.FromTokenizerJson(Write("tokenizer.json", MinimalTokenizerJson().ToJsonString()));
        Assert.Equal(["a", "##b", "b"], tok.Tokenize("AB b").ToArray());
    }

    [Fact]
    public void Negative_max_input_chars_per_word_is_a_format_error_naming_the_field()
    {
        var json = MinimalTokenizerJson();
        json["model"]!["max_input_chars_per_word"] = -1;
        var path = Write("tokenizer.json", json.ToJsonString());
        var e = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromTokenizerJson(path));
        Assert.Equal("model.max_input_chars_per_word", e.Location);
        Assert.Contains("-1", e.Message);
    }
}
