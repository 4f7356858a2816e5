using System.Text.Json.Nodes;

namespace Electra.Tests.Tokenizer;

/// <summary>
/// The parts of a BERT tokenizer.json that transformers' BertTokenizerFast writes the same way for every vocabulary,
/// shared by the tests that build such files themselves.
/// </summary>
internal static class TokenizerJsonParts
{
    /// <summary>BERT's template post-processor: <c>[CLS] A [SEP]</c> and <c>[CLS] A [SEP] B [SEP]</c>.</summary>
    public static JsonObject BertTemplateProcessing()
    {
        static JsonObject Special(string token, int type) => new() { ["SpecialToken"] = new JsonObject { ["id"] = token, ["type_id"] = type } };
        static JsonObject Sequence(string id, int type) => new() { ["Sequence"] = new JsonObject { ["id"] = id, ["type_id"] = type } };
        return new JsonObject
        {
            ["type"] = "TemplateProcessing",
            ["single"] = new JsonArray(Special("[CLS]", 0), Sequence("A", 0), Special("[SEP]", 0)),
            ["pair"] = new JsonArray(Special("[CLS]", 0), Sequence("A", 0), Special("[SEP]", 0), Sequence("B", 1), Special("[SEP]", 1)),
        };
    }

    /// <summary>A WordPiece model over <paramref name="tokens"/>, each token's id its index.</summary>
    public static JsonObject WordPieceModel(IReadOnlyList<string> tokens)
    {
        var vocab = new JsonObject();
        for (int i = 0; i < tokens.Count; i++) vocab[tokens[i]] = i;
        return new JsonObject
        {
            ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##", ["max_input_chars_per_word"] = 100,
            ["vocab"] = vocab,
        };
    }
}
