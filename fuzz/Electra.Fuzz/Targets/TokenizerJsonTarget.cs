using Electra.Tokenizer;

namespace Electra.Fuzz;

/// <summary>BertTokenizer.FromTokenizerJson on the bytes, then one encode/decode with the loaded tokenizer.</summary>
public sealed class TokenizerJsonTarget : FuzzTarget
{
    private readonly string _path = ScratchFile("tokenizer.json");
    public override string Name => "tokenizer-json";

    public override IEnumerable<byte[]> Seeds(string repoRoot) =>
        Directory.EnumerateFiles(Path.Combine(repoRoot, "fuzz", "seeds", "tokenizer-json")).OrderBy(p => p, StringComparer.Ordinal).Select(File.ReadAllBytes);

    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => mutator.Json;

    public override void Execute(byte[] input)
    {
        File.WriteAllBytes(_path, input);
        var tokenizer = BertTokenizer.FromTokenizerJson(_path);
        var encoding = tokenizer.Encode("Hello, wörld! unaffable 日本", "second part");
        _ = tokenizer.Decode(encoding.InputIds.ToArray());
    }
}
