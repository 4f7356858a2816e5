using System.Collections.Concurrent;
using System.Collections.Immutable;

namespace Electra.Vulkan.Interop;

/// <summary>GPU time per shader from timestamp queries (<see cref="VulkanOptions.Profile"/>), summed over every pass.</summary>
internal sealed class GpuProfile
{
    private readonly ConcurrentDictionary<string, (long Count, double Ms)> _entries = new(StringComparer.Ordinal);

    public void Add(string shader, double ms) =>
        _entries.AddOrUpdate(shader, (1, ms), (_, e) => (e.Count + 1, e.Ms + ms));

    public ImmutableSortedDictionary<string, VulkanOpTime> Snapshot() =>
        _entries.ToImmutableSortedDictionary(kv => kv.Key, kv => new VulkanOpTime(kv.Value.Count, kv.Value.Ms), StringComparer.Ordinal);

    public void Clear() => _entries.Clear();
}
