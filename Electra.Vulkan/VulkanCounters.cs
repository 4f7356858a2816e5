namespace Electra.Vulkan;

/// <summary>
/// Work a <see cref="VulkanBackend"/> has done since it was created (monotonic; subtract two snapshots for the work
/// in between): compute dispatches, pipeline barriers, queue submissions, Vulkan objects created and device-memory
/// allocations made. A warm forward creates no object, allocates no memory and submits once.
/// </summary>
public sealed record VulkanCounters(long Dispatches, long Barriers, long Submits, long ObjectsCreated, long MemoryAllocations)
{
    /// <summary>Objects created plus memory allocations: what `electra bench` reports as allocations.</summary>
    public long Allocations => ObjectsCreated + MemoryAllocations;

    public static VulkanCounters operator -(VulkanCounters after, VulkanCounters before) =>
        new(after.Dispatches - before.Dispatches, after.Barriers - before.Barriers, after.Submits - before.Submits,
            after.ObjectsCreated - before.ObjectsCreated, after.MemoryAllocations - before.MemoryAllocations);
}

/// <summary>GPU time of one shader summed over its <paramref name="Dispatches"/> (timestamps before and after each dispatch).</summary>
public sealed record VulkanOpTime(long Dispatches, double Milliseconds);
