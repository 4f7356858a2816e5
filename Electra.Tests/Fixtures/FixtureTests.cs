using Electra.Models;
using Electra.Tests.Support;

namespace Electra.Tests.Fixtures;

/// <summary>Every shared fixture, every reference output, within the case's tolerance, on every backend.</summary>
public class FixtureTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var backend in TestBackends.Names.Append("reference"))
            foreach (var name in SharedData.CaseNames())
                if (!TooSlowFor(backend, name))
                    data.Add(name, backend);
        return data;
    }

    // ELECTRA-small (12 layers, 4 × 128 tokens) takes minutes per forward on lavapipe, a CPU emulating a GPU, so the
    // default run checks it on the CPU only; ELECTRA_SLOW_TESTS=1 adds it on Vulkan (run it there on a real GPU).
    // The reference backend's plain loops would take seconds on it too.
    private static bool TooSlowFor(string backend, string caseName) =>
        caseName == "models/electra-small-random"
        && (backend == "reference" || (backend == "vulkan" && Environment.GetEnvironmentVariable("ELECTRA_SLOW_TESTS") != "1"));

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTransformers(string caseName, string backendName)
    {
        var fixture = FixtureCase.Load(caseName);
        using var backend = TestBackends.Create(backendName);
        var model = ElectraPretrained.Load(fixture.Folder, backend);
        Assert.Equal(fixture.ClassName, model.Architecture.ToString());
        var output = model.Forward(fixture.Inputs(), ForwardOptions.Everything);
        var reference = fixture.Reference();
        foreach (var (name, expected) in reference.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            Assert.True(output.Tensors.ContainsKey(name), $"{caseName}: output '{name}' missing; we produced {string.Join(", ", output.Tensors.Keys)}");
            TensorAssert.Close($"{caseName}/{name}", expected, output.Tensors[name], fixture.Abs, fixture.Rel);
        }
        TestBackends.AssertClean(backend);
    }
}
