using System.Text;
using Electra.Core.Checkpoints;
using Electra.Core.Checkpoints.PyTorch;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Checkpoints;
using Electra.Tests.Support;
using Electra.Tokenizer;

namespace Electra.Tests.Hardening;

/// <summary>
/// Hostile and broken files not covered by the loaders' own tests, and every input the fuzzer (fuzz/run.sh) found
/// crashing a parser: each must end in a typed error naming the file and the field, never another exception.
/// </summary>
public sealed class HostileFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-hostile-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string WriteSafetensors(string header, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(header);
        return Write("t.safetensors", [.. BitConverter.GetBytes((long)h.Length), .. h, .. new byte[dataBytes]]);
    }

    // Found by the fuzzer: JsonElement.GetString threw InvalidOperationException on an escaped lone surrogate.
    [Theory]
    [InlineData("""{"\ud800":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"t":{"dtype":"\udc00","shape":[1],"data_offsets":[0,4]}}""")]
    [InlineData("""{"__metadata__":{"k":"\ud800"},"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""")]
    public void SafetensorsHeaderWithALoneSurrogateIsATypedError(string header)
    {
        var path = WriteSafetensors(header, 4);
        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains("not valid Unicode", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Theory]
    [InlineData("[1000000000000000000000]", "not a non-negative integer")]
    [InlineData("[2.5]", "not a non-negative integer")]
    [InlineData("[\"2\"]", "not a non-negative integer")]
    [InlineData("[3037000500,3037000500,4]", "overflows")]
    public void AbsurdDimensionsAreNamed(string shape, string expected)
    {
        var path = WriteSafetensors($$$"""{"t":{"dtype":"F32","shape":{{{shape}}},"data_offsets":[0,4]}}""", 4);
        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains("tensor 't'", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void HeaderOverTheSizeCapIsRefusedBeforeReadingIt()
    {
        var path = Write("big.safetensors", [.. BitConverter.GetBytes(SafetensorsFile.MaxHeaderBytes + 1), .. "{}"u8]);
        var ex = Assert.Throws<CheckpointFormatException>(() => SafetensorsFile.Open(path));
        Assert.Contains("outside 2..100000000", ex.Message);
    }

    [Fact]
    public void NanAndInfWeightsAreReportedNotCrashedOn()
    {
        var folder = SharedData.Fixture("pretraining_gelu");
        var config = ElectraConfigJson.Load(folder);
        using var source = SafetensorsFile.Open(Path.Combine(folder, "model.safetensors"));
        var tensors = source.Keys.ToDictionary(k => k, k => new HostTensor(source.ReadFloat32(k).Shape, source.ReadFloat32(k).ToArray()));
        const string key = "electra.encoder.layer.0.output.dense.bias";
        var poisoned = tensors[key].ToArray();
        poisoned[0] = float.NaN;
        poisoned[3] = float.PositiveInfinity;
        poisoned[5] = float.NegativeInfinity;
        tensors[key] = new HostTensor(tensors[key].Shape, poisoned);
        using var backend = new CpuBackend();
        var model = ElectraPretrained.FromWeights(config, new InMemoryWeights(tensors), backend);
        Assert.Equal(new Dictionary<string, long> { [key] = 3 }, model.Report.NonFiniteWeights);
        var logits = model.Forward(ModelInputs.FromIds([[1, 2, 3]])).Tensors["logits"];
        Assert.Contains(logits.ToArray(), v => float.IsNaN(v));

        using var clean = new CpuBackend();
        Assert.Empty(ElectraPretrained.Load(folder, clean).Report.NonFiniteWeights);
    }

    // Found by the fuzzer: ZipArchive reads its central directory lazily, so a lying entry count escaped as InvalidDataException.
    [Fact]
    public void ZipWhoseEndRecordMiscountsItsEntriesIsATypedError()
    {
        var bytes = TestZipWriter.Write([new TestZipEntry("archive/data.pkl", [0x80, 2, (byte)'}', (byte)'.'])]);
        int eocd = bytes.Length - 22;
        Assert.Equal(0x06054b50u, BitConverter.ToUInt32(bytes, eocd));
        bytes[eocd + 8] = 7; // entries on this disk
        bytes[eocd + 10] = 7; // entries in total
        var path = Write("pytorch_model.bin", bytes);
        var ex = Assert.Throws<CheckpointFormatException>(() => PyTorchBinCheckpoint.Open(path));
        Assert.Contains("not a readable zip archive", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Theory]
    // Found by the fuzzer: duplicate keys made JsonObject throw ArgumentException on first lookup.
    [InlineData("""{"hidden_size": 32, "hidden_size": 64}""", "duplicate key 'hidden_size'")]
    [InlineData("""{"id2label": {"0": "a", "1": "b", "0": "c"}}""", "duplicate key '0'")]
    [InlineData("""{"label2id": {"a": "zero"}}""", "field 'label2id.a' must be an integer, found \"zero\"")]
    // Found by the fuzzer: 1e309 parsed as +Inf was accepted and broke writing the config back.
    [InlineData("""{"layer_norm_eps": 1e309}""", "field 'layer_norm_eps' must be a finite number")]
    // Found by the fuzzer: a lone surrogate escape made System.Text.Json throw InvalidOperationException.
    [InlineData("""{"hidden_act": "\ud800"}""", "not valid Unicode")]
    [InlineData("""{"num_labels": 1000000000}""", "num_labels 1000000000 is more than 1000000")]
    [InlineData("""{"vocab_size": 0}""", "vocab_size must be positive")]
    [InlineData("""{"num_attention_heads": 0}""", "num_attention_heads must be positive")]
    [InlineData("""{"vocab_size": 1e20}""", "field 'vocab_size' must be an integer")]
    [InlineData("""{"num_hidden_layers": "12"}""", "field 'num_hidden_layers' must be an integer")]
    [InlineData("""{"num_hidden_layers": -1}""", "num_hidden_layers must not be negative")]
    [InlineData("""{"architectures": "ElectraModel"}""", "field 'architectures' must be a list of strings")]
    [InlineData("""{"id2label": [1, 2]}""", "field 'id2label' must be an object")]
    [InlineData("""{"is_decoder": "yes"}""", "field 'is_decoder' must be true or false")]
    [InlineData("""[]""", "not a JSON object")]
    public void HostileConfigIsAConfigErrorNamingTheField(string json, string expected)
    {
        var ex = Assert.Throws<ConfigException>(() => ElectraConfigJson.Parse(json, "hostile/config.json"));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("hostile/config.json", ex.Message);
    }

    [Fact]
    public void InvalidUtf8ConfigFileIsATypedErrorNamingTheByte()
    {
        // Read as strict UTF-8, as Python's json.load of transformers refuses it (UnicodeDecodeError).
        var path = Write("config.json", [.. "{\"hidden_act\": \""u8, 0xff, 0xfe, .. "\"}"u8]);
        var ex = Assert.Throws<ConfigException>(() => ElectraConfigJson.Load(path));
        Assert.Contains("not valid UTF-8 (byte 16)", ex.Message);
    }

    [Fact]
    public void AbsurdVocabularyInConfigFailsOnTheEmbeddingShapeNotOnMemory()
    {
        var folder = Path.Combine(_dir, "model");
        Directory.CreateDirectory(folder);
        var source = SharedData.Fixture("pretraining_gelu");
        File.Copy(Path.Combine(source, "model.safetensors"), Path.Combine(folder, "model.safetensors"));
        var json = File.ReadAllText(Path.Combine(source, "config.json")).Replace("\"vocab_size\": 200", "\"vocab_size\": 1000000000");
        File.WriteAllText(Path.Combine(folder, "config.json"), json);
        using var backend = new CpuBackend();
        var ex = Assert.Throws<WeightMismatchException>(() => ElectraPretrained.Load(folder, backend));
        Assert.Equal("electra.embeddings.word_embeddings.weight", ex.Key);
        Assert.Contains("[1000000000, 16]", ex.Message);
    }

    private static string TokenizerJson(string vocab = """{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"[MASK]":4,"a":5}""",
        string normalizer = """{"type":"BertNormalizer","lowercase":true}""", string added = "[]") => $$$"""
        {"added_tokens": {{{added}}},
         "normalizer": {{{normalizer}}},
         "pre_tokenizer": {"type": "BertPreTokenizer"},
         "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 3], "cls": ["[CLS]", 2]},
         "model": {"type": "WordPiece", "unk_token": "[UNK]", "vocab": {{{vocab}}}}}
        """;

    [Fact]
    public void WellFormedTokenizerJsonLoads()
    {
        var path = Write("tokenizer.json", Encoding.UTF8.GetBytes(TokenizerJson()));
        Assert.Equal(6, BertTokenizer.FromTokenizerJson(path).Vocabulary.Count);
    }

    public static TheoryData<string, string, string> HostileTokenizerJsons() => new()
    {
        // Found by the fuzzer: a huge id sized the token array before contiguity was checked (overflow / out of memory).
        { TokenizerJson(vocab: """{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"a":2147483647}"""), "model.vocab", "no token has id 4" },
        { TokenizerJson(added: """[{"id": 2147483647, "content": "[X]"}]"""), "model.vocab", "no token has id 6" },
        // Found by the fuzzer: JsonElement.TryGetProperty threw InvalidOperationException on a non-object.
        { TokenizerJson(normalizer: "5"), "normalizer", "expected a JSON object" },
        { TokenizerJson(added: "[7]"), "added_tokens[0]", "expected a JSON object" },
        { TokenizerJson(added: """[{"id": "x", "content": "[X]"}]"""), "added_tokens[0].id", "non-negative integer" },
        // Found by the fuzzer: a lone surrogate escape in a token.
        { TokenizerJson(vocab: """{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"\ud800":4}"""), "", "not valid Unicode" },
        { TokenizerJson(vocab: """{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"b":-4}"""), "model.vocab[\"b\"]", "non-negative integer" },
        { TokenizerJson(vocab: """{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"b":3}"""), "model.vocab[\"b\"]", "also given to '[SEP]'" },
        { TokenizerJson(vocab: "[]"), "model.vocab", "expected Object" },
        { """{"normalizer": null}""", "model", "missing" },
    };

    [Theory]
    [MemberData(nameof(HostileTokenizerJsons))]
    public void HostileTokenizerJsonIsATypedErrorNamingTheField(string json, string field, string expected)
    {
        var path = Write("tokenizer.json", Encoding.UTF8.GetBytes(json));
        var ex = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromTokenizerJson(path));
        Assert.Contains(expected, ex.Message);
        Assert.Contains(path, ex.Message);
        if (field.Length > 0) Assert.Equal(field, ex.Location);
    }

    // Found by the fuzzer: invalid UTF-8 inside a JSON string made GetString throw InvalidOperationException.
    [Fact]
    public void InvalidUtf8InTokenizerJsonIsATypedError()
    {
        var json = Encoding.UTF8.GetBytes(TokenizerJson(vocab: """{"[PAD]":0,"[UNK]":1,"[CLS]":2,"[SEP]":3,"QQ":4}"""));
        int at = Encoding.UTF8.GetString(json).IndexOf("QQ", StringComparison.Ordinal);
        json[at] = 0xff;
        json[at + 1] = 0xfe;
        var path = Write("tokenizer.json", json);
        Assert.Contains("not valid Unicode", Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromTokenizerJson(path)).Message);
    }

    [Fact]
    public void InvalidUtf8InTokenizerConfigIsATypedError()
    {
        var folder = Path.Combine(_dir, "tok");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "vocab.txt"), "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\n");
        File.WriteAllBytes(Path.Combine(folder, "tokenizer_config.json"), [.. "{\"unk_token\": \"\\ud800\"}"u8]);
        var ex = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.Load(folder));
        Assert.Contains("tokenizer_config.json", ex.Message);
    }

    [Fact]
    public void InvalidUtf8VocabTxtIsATypedErrorNamingTheFile()
    {
        var path = Write("vocab.txt", [.. "[PAD]\n[UNK]\n"u8, 0xc3, 0x28, .. "\n[CLS]\n[SEP]\n"u8]);
        var ex = Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromVocabFile(path));
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void DuplicateVocabEntriesResolveAsTransformersLoadVocab()
    {
        // transformers' load_vocab: vocab[token] = index, so the last line wins for token → id, while
        // ids_to_tokens keeps every line.
        var path = Write("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\nhello\n"u8.ToArray());
        var tokenizer = BertTokenizer.FromVocabFile(path);
        Assert.Equal(7, tokenizer.Vocabulary.IdOf("hello"));
        Assert.Equal("hello", tokenizer.Vocabulary.TokenOf(5));
        Assert.Equal([2, 7, 6, 3], tokenizer.Encode("hello world").InputIds.ToArray());
    }

    [Fact]
    public void EmptyVocabTxtIsATypedError()
    {
        var path = Write("vocab.txt", []);
        Assert.Contains("empty", Assert.Throws<TokenizerFormatException>(() => BertTokenizer.FromVocabFile(path)).Message);
    }
}
