using System.Collections.Immutable;
using System.Text.Json;
using Electra.Core.Checkpoints;

namespace Electra.Hub;

/// <summary>
/// Which files of a repository a model needs, so a download skips the TensorFlow, Flax, ONNX and README files:
/// config.json; the first weight file <see cref="CheckpointLoader"/> would open (model.safetensors, its index with the
/// shards it names, pytorch_model.bin, its index with shards); the tokenizer files; the sentence-transformers files
/// (modules.json, sentence_bert_config.json, config_sentence_transformers.json and every file of the module folders
/// modules.json names, e.g. 1_Pooling/config.json).
/// </summary>
public static class ModelFiles
{
    /// <summary>Tokenizer files transformers' AutoTokenizer reads for a BERT-family model.</summary>
    public static readonly ImmutableArray<string> TokenizerFiles =
        ["tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json", "added_tokens.json"];

    /// <summary>sentence-transformers' own files at the repository root.</summary>
    public static readonly ImmutableArray<string> SentenceTransformersFiles =
        ["modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"];

    /// <summary>
    /// The files to fetch first. With <paramref name="include"/> patterns, exactly the files matching one of them (as
    /// <c>--include</c> / huggingface_hub's <c>allow_patterns</c>); otherwise the model's files listed above.
    /// </summary>
    /// <exception cref="HubEntryNotFoundException">the default selection finds no config.json or no weights; the message lists what the repository has.</exception>
    public static ImmutableArray<string> Initial(string repoId, string revision, ImmutableArray<string> repoFiles, IReadOnlyList<RepoFilePattern>? include)
    {
        if (include is { Count: > 0 })
            return [.. repoFiles.Where(f => include.Any(p => p.IsMatch(f)))];

        var present = repoFiles.ToHashSet(StringComparer.Ordinal);
        if (!present.Contains("config.json"))
            throw Missing(repoId, revision, repoFiles, "config.json", "config.json");
        string? weights = CheckpointLoader.WeightFileNames.FirstOrDefault(present.Contains);
        if (weights is null)
            throw Missing(repoId, revision, repoFiles, CheckpointLoader.WeightFileNames[0], $"weights ({string.Join(", ", CheckpointLoader.WeightFileNames)})");
        return [.. new[] { "config.json", weights }.Concat(TokenizerFiles).Concat(SentenceTransformersFiles).Where(present.Contains)];
    }

    /// <summary>
    /// Files that a fetched file names and that the model therefore needs too: the shards of a weight index
    /// (<c>weight_map</c> values) and the files under each module folder of <c>modules.json</c>. Only files the
    /// repository lists are returned. Without a default selection (<c>--include</c>) nothing follows.
    /// </summary>
    /// <exception cref="HubIntegrityException">the file is not the JSON its name promises, or an index names a shard the repository lacks.</exception>
    public static ImmutableArray<string> FollowUps(string repoId, string fileName, string localPath, ImmutableArray<string> repoFiles)
    {
        bool isIndex = fileName is "model.safetensors.index.json" or "pytorch_model.bin.index.json";
        if (!isIndex && fileName != "modules.json") return [];
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(localPath));
        }
        catch (JsonException e)
        {
            throw new HubIntegrityException(repoId, fileName, $"'{fileName}' of '{repoId}' is not valid JSON: {e.Message}");
        }
        using (doc)
        {
            var present = repoFiles.ToHashSet(StringComparer.Ordinal);
            return isIndex ? Shards(repoId, fileName, doc.RootElement, present) : ModuleFiles(doc.RootElement, repoFiles);
        }
    }

    private static ImmutableArray<string> Shards(string repoId, string fileName, JsonElement root, HashSet<string> present)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
            throw new HubIntegrityException(repoId, fileName, $"'{fileName}' of '{repoId}' has no 'weight_map' object");
        var shards = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in map.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new HubIntegrityException(repoId, fileName, $"'{fileName}' of '{repoId}': weight_map['{entry.Name}'] is not a file name");
            string shard = entry.Value.GetString()!;
            if (!present.Contains(shard))
                throw new HubIntegrityException(repoId, fileName, $"'{fileName}' of '{repoId}' names shard '{shard}' (for '{entry.Name}'), which the repository does not have");
            shards.Add(shard);
        }
        return [.. shards];
    }

    // modules.json: [{"idx": 0, "name": "0", "path": "", "type": "...Transformer"}, {"idx": 1, "path": "1_Pooling", ...}].
    // The module at path "" is the transformer itself (the root files); every other path is a folder of its own.
    private static ImmutableArray<string> ModuleFiles(JsonElement root, ImmutableArray<string> repoFiles)
    {
        if (root.ValueKind != JsonValueKind.Array) return [];
        var folders = new List<string>();
        foreach (var module in root.EnumerateArray())
            if (module.ValueKind == JsonValueKind.Object && module.TryGetProperty("path", out var path)
                && path.ValueKind == JsonValueKind.String && path.GetString() is { Length: > 0 } p)
                folders.Add(p.TrimEnd('/') + "/");
        return [.. repoFiles.Where(f => folders.Any(folder => f.StartsWith(folder, StringComparison.Ordinal)))];
    }

    private static HubEntryNotFoundException Missing(string repoId, string revision, ImmutableArray<string> repoFiles, string file, string what)
    {
        string have = repoFiles.Length == 0 ? "no files" : string.Join(", ", repoFiles.Take(20)) + (repoFiles.Length > 20 ? $", ... ({repoFiles.Length} files)" : "");
        return new HubEntryNotFoundException(repoId, revision, file,
            $"'{repoId}' at revision '{revision}' has no {what}, so it is not a transformers model this can load; it has: {have}. "
            + "Pass --include patterns to fetch particular files");
    }
}
