using Electra.Cpu;
using Electra.Models.Pipelines;
using Electra.Tests.Support;

namespace Electra.Tests.Pipelines;

/// <summary>The shipped demo pair, loaded once on the CPU for all demo-model tests.</summary>
public sealed class DemoModelFixture : IDisposable
{
    public static string Discriminator => Path.Combine(SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator");
    public static string Generator => Path.Combine(SharedData.RepoRoot, "models", "electra-tiny-rtd", "generator");

    public CpuBackend Backend { get; } = new();
    public ReplacedTokenDetection Detect { get; }
    public FillMask Fill { get; }

    public DemoModelFixture()
    {
        // Batches of 3 so that the 4 reference sentences need two batches with padding.
        Detect = ReplacedTokenDetection.Load(Discriminator, Backend, new PipelineSettings(BatchSize: 3));
        Fill = FillMask.Load(Generator, Backend, new PipelineSettings(BatchSize: 3));
    }

    public void Dispose() => Backend.Dispose();
}
