
namespace Electra.Fuzz;

/// <summary>One parser under test: its seed inputs, an optional structure-aware mutation, and one execution.</summary>
public abstract class FuzzTarget
{
    public abstract string Name { get; }

    /// <summary>Seed inputs (from the shared fixtures and the shipped model).</summary>
    public abstract IEnumerable<byte[]> Seeds(string repoRoot);

    /// <summary>A mutation that knows the format (e.g. edits the safetensors header and fixes its length), or null.</summary>
    public virtual Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => null;

    /// <summary>Runs the parser on one input. Only ElectraException subclasses may escape.</summary>
    public abstract void Execute(byte[] input);

    protected static string Shared(string repoRoot, params string[] parts) =>
        Path.Combine([Path.GetFullPath(Path.Combine(repoRoot, "..", "shared")), .. parts]);

    private static string ScratchDirectory => Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();

    protected static string ScratchFile(string name) => Path.Combine(ScratchDirectory, $"electra-fuzz-{Environment.ProcessId}-{name}");

    /// <summary>Removes this process's scratch files (the last input of each file-based target).</summary>
    public static void DeleteScratchFiles()
    {
        foreach (var f in Directory.EnumerateFiles(ScratchDirectory, $"electra-fuzz-{Environment.ProcessId}-*"))
            File.Delete(f);
    }

    public static FuzzTarget Create(string name) => name switch
    {
        "safetensors" => new SafetensorsTarget(),
        "pickle" => new PickleTarget(),
        "config" => new ConfigTarget(),
        "tokenizer-json" => new TokenizerJsonTarget(),
        "tokenizer" => new TokenizerTarget(),
        "shard-index" => new ShardIndexTarget(),
        "inputs-json" => new InputsJsonTarget(),
        "vocab" => new VocabTarget(),
        "tokenizer-config" => TokenizerFileTarget.TokenizerConfig(),
        "special-tokens-map" => TokenizerFileTarget.SpecialTokensMap(),
        "model-folder" => new ModelFolderTarget(),
        "jsonl" => new JsonLinesTarget(),
        _ => throw new ArgumentException($"unknown target '{name}' ({string.Join(", ", Names)})"),
    };

    public static readonly string[] Names = ["safetensors", "pickle", "config", "tokenizer-json", "tokenizer", "shard-index", "inputs-json",
        "vocab", "tokenizer-config", "special-tokens-map", "model-folder", "jsonl"];
}
