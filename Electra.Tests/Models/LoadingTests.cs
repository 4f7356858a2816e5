using Electra.Core.Checkpoints;
using Electra.Core.Configuration;
using Electra.Core.Errors;
using Electra.Core.Tensors;
using Electra.Cpu;
using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Models;

/// <summary>Weights that do not fit the config give errors naming key and shapes; extra keys are reported.</summary>
public class LoadingTests
{
    private static (ElectraConfig, Dictionary<string, HostTensor>) Fixture(string name)
    {
        var folder = SharedData.Fixture(name);
        var config = ElectraConfigJson.Load(folder);
        using var f = SafetensorsFile.Open(Path.Combine(folder, "model.safetensors"));
        return (config, f.Keys.ToDictionary(k => k, k => new HostTensor(f.ReadFloat32(k).Shape, f.ReadFloat32(k).ToArray())));
    }

    [Fact]
    public void MissingTensorNamesKeyAndExpectedShape()
    {
        var (config, tensors) = Fixture("pretraining_gelu");
        tensors.Remove("electra.encoder.layer.1.attention.self.key.weight");
        using var backend = new CpuBackend();
        var ex = Assert.Throws<WeightMismatchException>(() => ElectraPretrained.FromWeights(config, new InMemoryWeights(tensors), backend));
        Assert.Equal("electra.encoder.layer.1.attention.self.key.weight", ex.Key);
        Assert.Contains("[32, 32]", ex.Message);
    }

    [Fact]
    public void WrongShapeNamesBothShapes()
    {
        var (config, tensors) = Fixture("pretraining_gelu");
        tensors["electra.encoder.layer.0.intermediate.dense.weight"] = HostTensor.Create(new float[64 * 31], 64, 31);
        using var backend = new CpuBackend();
        var ex = Assert.Throws<WeightMismatchException>(() => ElectraPretrained.FromWeights(config, new InMemoryWeights(tensors), backend));
        Assert.Contains("[64, 31]", ex.Message);
        Assert.Contains("[64, 32]", ex.Message);
    }

    [Fact]
    public void UnexpectedKeysAreReported()
    {
        var (config, tensors) = Fixture("pretraining_gelu");
        tensors["some.extra.weight"] = HostTensor.Create([1f], 1);
        using var backend = new CpuBackend();
        var model = ElectraPretrained.FromWeights(config, new InMemoryWeights(tensors), backend);
        Assert.Equal(["some.extra.weight"], model.Report.UnusedKeys.ToArray());
    }

    [Fact]
    public void HeadCheckpointLoadsAsBareModelReportingTheHeadKeys()
    {
        using var backend = new CpuBackend();
        var model = ElectraPretrained.Load(SharedData.Fixture("pretraining_gelu"), backend, ElectraArchitecture.ElectraModel);
        Assert.Equal("electra.", model.Report.Prefix);
        Assert.Contains("discriminator_predictions.dense.weight", model.Report.UnusedKeys);
    }

    [Fact]
    public void BadRuntimeInputsAreTypedErrors()
    {
        using var backend = new CpuBackend();
        var model = ElectraPretrained.Load(SharedData.Fixture("pretraining_gelu"), backend);
        Assert.Contains("outside the vocabulary", Assert.Throws<InputException>(() => model.Forward(ModelInputs.FromIds([[1, 2, 500]]))).Message);
        Assert.Contains("token 1", Assert.Throws<InputException>(() => model.Forward(ModelInputs.FromIds([[1, -1]]))).Message);
        Assert.Contains("max_position_embeddings", Assert.Throws<InputException>(() => model.Forward(ModelInputs.FromIds([Enumerable.Repeat(5, 600).ToArray()]))).Message);
        Assert.Contains("row 1", Assert.Throws<InputException>(() => ModelInputs.FromIds([[1, 2], [3]])).Message);
        Assert.Contains("does not match", Assert.Throws<InputException>(() => model.Forward(ModelInputs.FromIds([[1, 2]], [[1, 1, 1]]))).Message);
        Assert.Contains("token_type_ids", Assert.Throws<InputException>(() => model.Forward(ModelInputs.FromIds([[1, 2]], null, [[0, 2]]))).Message);
        Assert.Contains("empty batch", Assert.Throws<InputException>(() => ModelInputs.FromIds([])).Message);
    }
}
