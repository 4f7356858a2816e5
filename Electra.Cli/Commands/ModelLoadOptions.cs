using Electra.Core.Backend;
using Electra.Models;

namespace Electra.Cli.Commands;

/// <summary>The values of the options of commands that load one model on one backend (read by <see cref="Options.ModelOptionGroup"/>).</summary>
internal sealed record ModelLoadOptions(string? Revision, string? Backend, int? Threads, string? Device, string? Head,
    string? Quantize = null)
{
    /// <summary>--precision: f32 (null) or f16.</summary>
    public string? Precision { get; init; }

    /// <param name="profile">time every GPU operation (Vulkan timestamps), for `bench --profile`.</param>
    public IBackend CreateBackend(bool profile = false) => BackendFactory.Create(Backend, Threads, Device, Quantize, Precision, profile);

    /// <summary>
    /// Loads <paramref name="model"/> (a folder, or a hub id in the local Hugging Face cache) as --head, else as
    /// <paramref name="defaultHead"/>, else as its checkpoint's architecture.
    /// </summary>
    public ElectraPretrained Load(string model, IBackend backend, string? defaultHead = null) =>
        ElectraPretrained.Load(ModelDirectory.Resolve(model, Revision), backend,
            (Head ?? defaultHead) is { } head ? ElectraArchitectures.Parse(head) : null);
}
