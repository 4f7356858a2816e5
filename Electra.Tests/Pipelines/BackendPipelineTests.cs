using Electra.Models.Pipelines;
using Electra.Tests.Support;

namespace Electra.Tests.Pipelines;

/// <summary>The seed example on every backend this machine has (Vulkan under the validation layer).</summary>
public sealed class BackendPipelineTests
{
    public static TheoryData<string> Backends => new(TestBackends.Names);

    [Theory]
    [MemberData(nameof(Backends))]
    public void DetectFlagsFakeOnEveryBackend(string name)
    {
        using var backend = TestBackends.Create(name);
        var detect = ReplacedTokenDetection.Load(DemoModelFixture.Discriminator, backend);
        var results = detect.Run(["The quick brown fox fake over the lazy dog", "The quick brown fox jumps over the lazy dog"]);
        Assert.Equal("fake", results[0].MostLikelyReplaced!.Word);
        Assert.Equal(0.422, results[0].MostLikelyReplaced!.Score, 3);
        Assert.Equal("jumps", results[1].MostLikelyReplaced!.Word);
        TestBackends.AssertClean(backend);
    }
}
