namespace Electra.Tokenizer;

public sealed partial class BertTokenizer
{
    /// <summary>Loads a vocab.txt with the given options (default: transformers' BertTokenizer defaults).</summary>
    /// <exception cref="TokenizerFormatException">The file is unreadable, empty or lacks the special tokens.</exception>
    public static BertTokenizer FromVocabFile(string path, BertTokenizerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var o = options ?? BertTokenizerOptions.Default;
        var vocab = Vocabulary.FromFile(path, o.ContinuingSubwordPrefix);
        return new BertTokenizer(vocab, o, path);
    }

    /// <summary>
    /// Loads a HF fast-tokenizer file (BertNormalizer, BertPreTokenizer, WordPiece model, TemplateProcessing or
    /// BertProcessing post-processor). <paramref name="configure"/> may override the options read from it.
    /// </summary>
    /// <exception cref="TokenizerFormatException">The file is unreadable, malformed or not a BERT WordPiece tokenizer; the message names the field.</exception>
    public static BertTokenizer FromTokenizerJson(string path, Func<BertTokenizerOptions, BertTokenizerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var (vocab, options) = TokenizerJson.Read(path);
        if (configure is not null) options = configure(options);
        return new BertTokenizer(vocab, options, path);
    }

    /// <summary>
    /// Loads the tokenizer of a model directory as transformers' AutoTokenizer does: tokenizer.json when present,
    /// otherwise vocab.txt, with tokenizer_config.json (and special_tokens_map.json) settings on top.
    /// <paramref name="configure"/> may override the resulting options (e.g. command-line flags).
    /// </summary>
    /// <exception cref="TokenizerFormatException">The directory has neither file, or a file is malformed.</exception>
    public static BertTokenizer Load(string modelDirectory, Func<BertTokenizerOptions, BertTokenizerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(modelDirectory);
        if (!System.IO.Directory.Exists(modelDirectory))
            throw new TokenizerFormatException(modelDirectory, null, "the model directory does not exist");
        var json = Path.Combine(modelDirectory, "tokenizer.json");
        var vocabPath = Path.Combine(modelDirectory, "vocab.txt");
        Vocabulary vocab;
        BertTokenizerOptions options;
        string source;
        if (File.Exists(json))
        {
            (vocab, options) = TokenizerJson.Read(json);
            source = json;
        }
        else if (File.Exists(vocabPath))
        {
            options = BertTokenizerOptions.Default;
            source = vocabPath;
            vocab = null!;
        }
        else
        {
            throw new TokenizerFormatException(modelDirectory, null, "the model directory has neither tokenizer.json nor vocab.txt");
        }
        options = TokenizerConfig.Apply(modelDirectory, options);
        if (configure is not null) options = configure(options);
        vocab ??= Vocabulary.FromFile(vocabPath, options.ContinuingSubwordPrefix);
        return new BertTokenizer(vocab, options, source);
    }
}
