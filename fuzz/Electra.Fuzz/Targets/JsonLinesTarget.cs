using Electra.Cli.Commands;
using Electra.Tokenizer;

namespace Electra.Fuzz;

/// <summary>
/// The JSON-lines input of the pipeline commands (`--input FILE.jsonl`): the CLI's own reader
/// (<see cref="JsonLinesInput"/>, compiled in from Electra.Cli) with one of the commands' line shapes — {"text"}
/// (detect, fill-mask, ner, embed, rerank), {"text", "text_pair"} (classify) or {"question", "context"} (qa), chosen
/// by the input's length — and every item tokenized as that command does, with truncation.
/// </summary>
public sealed class JsonLinesTarget : FuzzTarget
{
    private readonly string _path = ScratchFile("input.jsonl");
    private BertTokenizer? _tokenizer;

    public override string Name => "jsonl";

    public override IEnumerable<byte[]> Seeds(string repoRoot)
    {
        _tokenizer = BertTokenizer.FromVocabFile(Path.Combine(repoRoot, "fuzz", "seeds", "vocab", "small.txt"));
        return Directory.EnumerateFiles(Path.Combine(repoRoot, "fuzz", "seeds", "jsonl")).OrderBy(p => p, StringComparer.Ordinal).Select(File.ReadAllBytes);
    }

    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => data =>
    {
        // Mutate one line as JSON and put the file back together.
        var lines = System.Text.Encoding.UTF8.GetString(data).Split('\n').ToList();
        int k = rng.Next(lines.Count);
        lines[k] = System.Text.Encoding.UTF8.GetString(mutator.Json(System.Text.Encoding.UTF8.GetBytes(lines[k]))).Replace('\n', ' ');
        return System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines));
    };

    public override void Execute(byte[] input)
    {
        File.WriteAllBytes(_path, input);
        var tokenizer = _tokenizer!;
        var truncate = new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, MaxLength = 32 };
        switch (input.Length % 3)
        {
            case 0:
                foreach (var item in JsonLinesInput.Read(_path, e => JsonLinesInput.String(e, "text")))
                    _ = tokenizer.Encode(item.Item, null, truncate);
                break;
            case 1:
                foreach (var item in JsonLinesInput.Read(_path, e => (JsonLinesInput.String(e, "text"), JsonLinesInput.OptionalString(e, "text_pair"))))
                    _ = tokenizer.Encode(item.Item.Item1, item.Item.Item2, truncate);
                break;
            default:
                foreach (var item in JsonLinesInput.Read(_path, e => (JsonLinesInput.String(e, "question"), JsonLinesInput.String(e, "context"))))
                    _ = tokenizer.EncodeWindows(item.Item.Item1, item.Item.Item2,
                        new EncodeOptions { Truncation = TruncationStrategy.OnlySecond, MaxLength = 24, Stride = 4 });
                break;
        }
    }
}
