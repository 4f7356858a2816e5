using System.Text.Json;
using System.Text.Json.Nodes;
using Electra.Core.Errors;
using Electra.Tokenizer;

namespace Electra.Tests.Tokenizer;

/// <summary>vocab.txt, tokenizer.json and tokenizer_config.json loading, and the errors for bad files.</summary>
public sealed class LoadingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-tokenizer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string[] UncasedTokens => File.ReadAllLines(TokenizerFixtures.PathOf("vocab-uncased.txt"));

    /// <summary>The tokenizer.json transformers' BertTokenizerFast writes for bert-base-uncased (vocab abridged to the real one).</summary>
    private static JsonObject TokenizerJson(bool lowercase = true)
    {
        static JsonObject Added(int id, string content) => new()
        {
            ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
            ["normalized"] = false, ["special"] = true,
        };
        var postProcessor = TokenizerJsonParts.BertTemplateProcessing();
        postProcessor["special_tokens"] = new JsonObject();
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(Added(0, "[PAD]"), Added(100, "[UNK]"), Added(101, "[CLS]"), Added(102, "[SEP]"), Added(103, "[MASK]")),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "BertNormalizer", ["clean_text"] = true, ["handle_chinese_chars"] = true, ["strip_accents"] = null, ["lowercase"] = lowercase,
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = postProcessor,
            ["decoder"] = new JsonObject { ["type"] = "WordPiece", ["prefix"] = "##", ["cleanup"] = true },
            ["model"] = TokenizerJsonParts.WordPieceModel(UncasedTokens),
        };
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void Tokenizer_json_gives_the_reference_ids()
    {
        var path = Write("tokenizer.json", TokenizerJson().ToJsonString());
        var tok = BertTokenizer.FromTokenizerJson(path);
        foreach (var c in TokenizerFixtures.AllCases.Where(c => c.GetProperty("kind").GetString() is "uncased" or "pair"))
        {
            string? pair = c.TryGetProperty("text_pair", out var p) ? p.GetString() : null;
            var enc = tok.Encode(c.GetProperty("text").GetString()!, pair, TokenizerFixtures.EncodeOptionsForCase(c.GetProperty("options")));
            Assert.True(TokenizerFixtures.Ints(c.GetProperty("input_ids")).SequenceEqual(enc.InputIds), c.GetProperty("id").GetString());
        }
    }

    [Fact]
    public void Load_prefers_tokenizer_json_and_applies_tokenizer_config()
    {
        Write("tokenizer.json", TokenizerJson(lowercase: true).ToJsonString());
        Write("tokenizer_config.json", """{"do_lower_case": false, "model_max_length": 8, "padding_side": "left", "cls_token": {"content": "[CLS]"}}""");
        var tok = BertTokenizer.Load(_dir);
        Assert.False(tok.Options.DoLowerCase);
        Assert.Equal(8, tok.Options.ModelMaxLength);
        Assert.Equal(Side.Left, tok.Options.PaddingSide);
        Assert.Equal(new[] { "[CLS]", "[UNK]", "[SEP]" }, tok.Encode("HELLO").Tokens);
        // max_length defaults to model_max_length.
        var enc = tok.Encode("a b c d e f g h i j", options: new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, Padding = PaddingStrategy.MaxLength });
        Assert.Equal(8, enc.Length);
    }

    [Fact]
    public void Load_falls_back_to_vocab_txt()
    {
        File.Copy(TokenizerFixtures.PathOf("vocab-uncased.txt"), Path.Combine(_dir, "vocab.txt"));
        var tok = BertTokenizer.Load(_dir, o => o with { ModelMaxLength = 512 });
        Assert.Equal(new[] { 101, 7592, 1010, 2088, 999, 102 }, tok.Encode("Hello, World!").InputIds);
    }

    [Fact]
    public void Missing_files_name_the_path()
    {
        var e = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.Load(_dir));
        Assert.Contains("neither tokenizer.json nor vocab.txt", e.Message);
        var missing = Path.Combine(_dir, "nope.txt");
        var e2 = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromVocabFile(missing));
        Assert.Contains(missing, e2.Message);
    }

    [Fact]
    public void A_vocabulary_without_special_tokens_is_refused_by_name()
    {
        var path = Write("vocab.txt", "[PAD]\n[UNK]\nhello\n");
        var e = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromVocabFile(path));
        Assert.Contains("cls_token '[CLS]'", e.Message);
        Assert.Contains("sep_token '[SEP]'", e.Message);
        Assert.DoesNotContain("pad_token", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Empty_or_invalid_utf8_vocabularies_are_refused()
    {
        Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromVocabFile(Write("empty.txt", "")));
        var bad = Path.Combine(_dir, "bad.txt");
        File.WriteAllBytes(bad, new byte[] { 0x5B, 0x50, 0xFF, 0xFE, 0x0A });
        var e = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromVocabFile(bad));
        Assert.Contains(bad, e.Message);
    }

    [Fact]
    public void Malformed_tokenizer_json_names_the_line_or_field()
    {
        var broken = Write("broken.json", "{\n  \"model\": {\n    \"vocab\": [1,\n}");
        var e = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromTokenizerJson(broken));
        Assert.Matches("line [34]", e.Message);

        var json = TokenizerJson();
        json["model"]!["type"] = "BPE";
        var e2 = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromTokenizerJson(Write("bpe.json", json.ToJsonString())));
        Assert.Equal("model.type", e2.Location);

        json = TokenizerJson();
        json["model"]!["vocab"]!["hello"] = "x";
        var e3 = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromTokenizerJson(Write("badid.json", json.ToJsonString())));
        Assert.Equal("model.vocab[\"hello\"]", e3.Location);

        json = TokenizerJson();
        json["normalizer"]!["lowercase"] = "yes";
        var e4 = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromTokenizerJson(Write("badbool.json", json.ToJsonString())));
        Assert.Equal("normalizer.lowercase", e4.Location);

        json = TokenizerJson();
        json["post_processor"] = JsonNode.Parse("""{"type": "RobertaProcessing"}""");
        var e5 = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromTokenizerJson(Write("roberta.json", json.ToJsonString())));
        Assert.Equal("post_processor.type", e5.Location);
    }

    [Fact]
    public void Malformed_tokenizer_config_names_the_field()
    {
        File.Copy(TokenizerFixtures.PathOf("vocab-uncased.txt"), Path.Combine(_dir, "vocab.txt"));
        Write("tokenizer_config.json", """{"do_lower_case": "no"}""");
        var e = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.Load(_dir));
        Assert.Equal("do_lower_case", e.Location);
    }

    [Fact]
    public void Vocab_lines_end_at_any_newline_and_duplicates_map_to_the_last_id()
    {
        var path = Write("crlf.txt", "[PAD]\r\n[UNK]\r[CLS]\n[SEP]\nab\nab\n##c");
        var tok = BertTokenizer.FromVocabFile(path);
        Assert.Equal(7, tok.Vocabulary.Count);
        Assert.Equal(new[] { 2, 5, 6, 3 }, tok.Encode("abc").InputIds);
        Assert.Equal("ab", tok.Vocabulary.TokenOf(4));
    }
}
