using System.Text.Json;
using Electra.Core.Checkpoints;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Models;

public sealed class InputsEmbedsAndShardingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("electra-shard-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void InputsEmbedsGiveTheSameOutputsAsTheirIds()
    {
        var fixture = FixtureCase.Load("model_proj_gelu");
        using var backend = new CpuBackend();
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        var inputs = fixture.Inputs();
        using var weights = SafetensorsFile.Open(Path.Combine(fixture.Folder, "model.safetensors"));
        var table = weights.ReadFloat32("embeddings.word_embeddings.weight");
        int e = table.Shape[1];
        var ids = inputs.InputIds!;
        var embeds = new float[ids.ElementCount * e];
        for (int i = 0; i < ids.ElementCount; i++) table.Span.Slice(ids.Span[i] * e, e).CopyTo(embeds.AsSpan(i * e));
        var viaEmbeds = model.Forward(inputs with { InputIds = null, InputsEmbeds = new HostTensor([.. ids.Shape, e], embeds) });
        TensorAssert.Close("last_hidden_state", fixture.Reference()["last_hidden_state"], viaEmbeds.LastHiddenState!, fixture.Abs, fixture.Rel);
    }

    [Fact]
    public void ShardedSafetensorsLoadLikeTheSingleFile()
    {
        var fixture = FixtureCase.Load("pretraining_gelu");
        using (var whole = SafetensorsFile.Open(Path.Combine(fixture.Folder, "model.safetensors")))
        {
            var keys = whole.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
            var map = new Dictionary<string, string>();
            for (int shard = 0; shard < 3; shard++)
            {
                var name = $"model-{shard + 1:D5}-of-00003.safetensors";
                var part = keys.Where((_, i) => i % 3 == shard).ToDictionary(k => k, k => new HostTensor(whole.ReadFloat32(k).Shape, whole.ReadFloat32(k).ToArray()));
                SafetensorsWriter.Write(Path.Combine(_dir, name), part);
                foreach (var k in part.Keys) map[k] = name;
            }
            File.WriteAllText(Path.Combine(_dir, "model.safetensors.index.json"), JsonSerializer.Serialize(new { metadata = new { }, weight_map = map }));
        }
        File.Copy(Path.Combine(fixture.Folder, "config.json"), Path.Combine(_dir, "config.json"));
        using var backend = new CpuBackend();
        var output = ElectraPretrained.Load(_dir, backend).Forward(fixture.Inputs());
        TensorAssert.Close("logits", fixture.Reference()["logits"], output.Logits!, fixture.Abs, fixture.Rel);
    }

    [Fact]
    public void IndexNamingAMissingShardIsATypedError()
    {
        File.WriteAllText(Path.Combine(_dir, "model.safetensors.index.json"), """{"weight_map": {"a.weight": "gone.safetensors"}}""");
        var ex = Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Open(_dir));
        Assert.Contains("gone.safetensors", ex.Message);
    }

    [Fact]
    public void IndexEscapingTheFolderIsRefused()
    {
        File.WriteAllText(Path.Combine(_dir, "model.safetensors.index.json"), """{"weight_map": {"a.weight": "../x.safetensors"}}""");
        Assert.Contains("not a file in the same folder", Assert.Throws<CheckpointFormatException>(() => CheckpointLoader.Open(_dir)).Message);
    }
}
