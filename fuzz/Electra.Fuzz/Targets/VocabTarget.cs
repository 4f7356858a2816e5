using Electra.Tokenizer;

namespace Electra.Fuzz;

/// <summary>BertTokenizer.FromVocabFile on the bytes as vocab.txt, then one pair encode and decode.</summary>
public sealed class VocabTarget : FuzzTarget
{
    private readonly string _path = ScratchFile("vocab.txt");
    public override string Name => "vocab";

    // A 45-line vocabulary (special tokens, ## pieces, accents, CJK, an emoji) keeps executions cheap.
    public override IEnumerable<byte[]> Seeds(string repoRoot) =>
        Directory.EnumerateFiles(Path.Combine(repoRoot, "fuzz", "seeds", "vocab")).OrderBy(p => p, StringComparer.Ordinal).Select(File.ReadAllBytes);

    public override void Execute(byte[] input)
    {
        File.WriteAllBytes(_path, input);
        var tokenizer = BertTokenizer.FromVocabFile(_path);
        TokenizerFileTarget.Exercise(tokenizer);
    }
}
