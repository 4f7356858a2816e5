using Electra.Core.Backend;
using Electra.Cpu;

namespace Electra.Tests.Support;

/// <summary>The backends every model-level test runs on. A backend that cannot start here is skipped by name.</summary>
public static class TestBackends
{
    public static IEnumerable<string> Names => ["cpu"];

    public static IBackend Create(string name) => name switch
    {
        "cpu" => new CpuBackend(),
        _ => throw new ArgumentException($"unknown test backend '{name}'"),
    };
}
