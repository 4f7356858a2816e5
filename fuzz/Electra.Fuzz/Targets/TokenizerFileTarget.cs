using Electra.Tokenizer;

namespace Electra.Fuzz;

/// <summary>
/// A settings file beside a fixed vocab.txt (tokenizer_config.json or special_tokens_map.json, the file under test),
/// loaded as a model folder's tokenizer (BertTokenizer.Load), then one pair encode with truncation and a decode.
/// </summary>
public sealed class TokenizerFileTarget : FuzzTarget
{
    private readonly string _dir;
    private readonly string _path;
    private readonly string _seedFolder;

    private TokenizerFileTarget(string name, string fileName, string seedFolder)
    {
        Name = name;
        _seedFolder = seedFolder;
        _dir = Directory.CreateDirectory(ScratchFile(name)).FullName;
        _path = Path.Combine(_dir, fileName);
    }

    public static TokenizerFileTarget TokenizerConfig() => new("tokenizer-config", "tokenizer_config.json", "tokenizer-config");

    public static TokenizerFileTarget SpecialTokensMap() => new("special-tokens-map", "special_tokens_map.json", "special-tokens-map");

    public override string Name { get; }

    public override IEnumerable<byte[]> Seeds(string repoRoot)
    {
        File.Copy(Path.Combine(repoRoot, "fuzz", "seeds", "vocab", "small.txt"), Path.Combine(_dir, "vocab.txt"), overwrite: true);
        return Directory.EnumerateFiles(Path.Combine(repoRoot, "fuzz", "seeds", _seedFolder)).OrderBy(p => p, StringComparer.Ordinal).Select(File.ReadAllBytes);
    }

    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => mutator.Json;

    public override void Execute(byte[] input)
    {
        File.WriteAllBytes(_path, input);
        Exercise(BertTokenizer.Load(_dir));
    }

    /// <summary>What every tokenizer-file target does with the loaded tokenizer.</summary>
    public static void Exercise(BertTokenizer tokenizer)
    {
        var encoding = tokenizer.Encode("Hello, wörld! unaffable 日本 [MASK] the quick fox", "second part x",
            new EncodeOptions { Truncation = TruncationStrategy.LongestFirst, MaxLength = 12, Stride = 2 });
        _ = tokenizer.Decode(encoding.InputIds.ToArray(), skipSpecialTokens: true);
        _ = tokenizer.Encode("café über straße 😀");
    }
}
