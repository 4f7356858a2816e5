using System.Buffers.Binary;
using System.Text;
using Electra.Core.Checkpoints;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Models.Pipelines;

namespace Electra.Fuzz;

/// <summary>
/// A whole model folder (config.json, model.safetensors, vocab.txt, tokenizer_config.json, special_tokens_map.json,
/// tokenizer.json) loaded together as `electra detect` loads it, then one replaced-token detection run (tokenize,
/// forward, score). An input is the folder's files in a small container (<see cref="Pack"/>), so one mutation changes
/// one file, drops one or adds one.
/// </summary>
public sealed class ModelFolderTarget : FuzzTarget
{
    /// <summary>The files of the folder, by the id byte of a container entry (ids wrap modulo the count).</summary>
    public static readonly string[] FileNames =
        ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.json"];

    private readonly string _dir = Directory.CreateDirectory(ScratchFile("model-folder")).FullName;
    private CpuBackend? _backend;

    public override string Name => "model-folder";

    // A tiny discriminator (hidden 8, one layer, the 45-token seed vocabulary, 32 positions) with random weights: a
    // real folder's layout at a few KB, so the forward costs microseconds.
    public override IEnumerable<byte[]> Seeds(string repoRoot)
    {
        var vocab = File.ReadAllBytes(Path.Combine(repoRoot, "fuzz", "seeds", "vocab", "small.txt"));
        int vocabSize = Encoding.UTF8.GetString(vocab).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        var config = Encoding.UTF8.GetBytes($$"""
            {"architectures": ["ElectraForPreTraining"], "model_type": "electra", "vocab_size": {{vocabSize}}, "embedding_size": 8,
             "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16, "hidden_act": "gelu",
             "max_position_embeddings": 32, "type_vocab_size": 2, "layer_norm_eps": 1e-12, "pad_token_id": 0}
            """);
        var weights = TinyWeights(vocabSize);
        var tokenizerConfig = File.ReadAllBytes(Path.Combine(repoRoot, "fuzz", "seeds", "tokenizer-config", "electra-tiny-rtd.json"));
        var special = File.ReadAllBytes(Path.Combine(repoRoot, "fuzz", "seeds", "special-tokens-map", "electra-tiny-rtd.json"));
        yield return Pack([(0, config), (1, weights), (2, vocab), (3, tokenizerConfig), (4, special)]);
        yield return Pack([(0, config), (1, weights), (2, vocab)]);
    }

    private byte[] TinyWeights(int vocabSize)
    {
        var random = new Random(8);
        HostTensor T(params int[] shape)
        {
            var data = new float[shape.Aggregate(1, (a, d) => a * d)];
            for (int i = 0; i < data.Length; i++) data[i] = (float)(random.NextDouble() - 0.5);
            return HostTensor.Create(data, shape);
        }
        var t = new Dictionary<string, HostTensor>
        {
            ["electra.embeddings.word_embeddings.weight"] = T(vocabSize, 8),
            ["electra.embeddings.position_embeddings.weight"] = T(32, 8),
            ["electra.embeddings.token_type_embeddings.weight"] = T(2, 8),
            ["discriminator_predictions.dense.weight"] = T(8, 8),
            ["discriminator_predictions.dense.bias"] = T(8),
            ["discriminator_predictions.dense_prediction.weight"] = T(1, 8),
            ["discriminator_predictions.dense_prediction.bias"] = T(1),
        };
        foreach (var norm in new[] { "electra.embeddings.LayerNorm", "electra.encoder.layer.0.attention.output.LayerNorm", "electra.encoder.layer.0.output.LayerNorm" })
        {
            t[norm + ".weight"] = T(8);
            t[norm + ".bias"] = T(8);
        }
        foreach (var (name, rows, cols) in new[] { ("attention.self.query", 8, 8), ("attention.self.key", 8, 8), ("attention.self.value", 8, 8),
                     ("attention.output.dense", 8, 8), ("intermediate.dense", 16, 8), ("output.dense", 8, 16) })
        {
            t[$"electra.encoder.layer.0.{name}.weight"] = T(rows, cols);
            t[$"electra.encoder.layer.0.{name}.bias"] = T(rows);
        }
        var path = Path.Combine(_dir, "seed.safetensors");
        SafetensorsWriter.Write(path, t, new Dictionary<string, string> { ["format"] = "pt" });
        var bytes = File.ReadAllBytes(path);
        File.Delete(path);
        return bytes;
    }

    /// <summary>The container: per file one id byte, a 4-byte little-endian length, the bytes.</summary>
    public static byte[] Pack(IEnumerable<(int Id, byte[] Data)> files)
    {
        var output = new MemoryStream();
        Span<byte> length = stackalloc byte[4];
        foreach (var (id, data) in files)
        {
            output.WriteByte((byte)id);
            BinaryPrimitives.WriteInt32LittleEndian(length, data.Length);
            output.Write(length);
            output.Write(data);
        }
        return output.ToArray();
    }

    /// <summary>Reads the container back; a cut entry keeps the bytes that are there (the parsers must cope).</summary>
    public static List<(int Id, byte[] Data)> Unpack(byte[] input)
    {
        var files = new List<(int, byte[])>();
        int at = 0;
        while (at < input.Length)
        {
            int id = input[at] % FileNames.Length;
            int length = at + 5 <= input.Length ? BinaryPrimitives.ReadInt32LittleEndian(input.AsSpan(at + 1)) : 0;
            int start = Math.Min(at + 5, input.Length);
            int count = (int)Math.Clamp((long)length, 0, input.Length - start);
            files.Add((id, input[start..(start + count)]));
            at = start + count;
        }
        return files;
    }

    // One file changed (as JSON where it is JSON), dropped or duplicated; the container is rebuilt around it.
    public override Func<byte[], byte[]>? Structured(Mutator mutator, Random rng) => data =>
    {
        var files = Unpack(data);
        if (files.Count == 0) return data;
        int k = rng.Next(files.Count);
        switch (rng.Next(8))
        {
            case 0: files.RemoveAt(k); break;
            case 1: files.Add((rng.Next(FileNames.Length), files[k].Data)); break;
            default:
                var (id, bytes) = files[k];
                files[k] = (id, FileNames[id].EndsWith(".json", StringComparison.Ordinal) ? mutator.Json(bytes) : mutator.MutateOnce(bytes, [bytes]));
                break;
        }
        return Pack(files);
    };

    public override void Execute(byte[] input)
    {
        foreach (var name in FileNames) File.Delete(Path.Combine(_dir, name));
        foreach (var (id, data) in Unpack(input)) File.WriteAllBytes(Path.Combine(_dir, FileNames[id]), data);
        _backend ??= new CpuBackend(new CpuBackendOptions(Threads: 1));
        var detect = ReplacedTokenDetection.Load(_dir, _backend);
        _ = detect.Run(["the quick brown fox jumped over the lazy dog", "hello wörld, café 日本 unaffable! " + string.Concat(Enumerable.Repeat("x ", 40))]);
    }
}
