namespace Electra.Vulkan.Interop;

/// <summary>The live counters behind <see cref="VulkanCounters"/>; incremented from any thread.</summary>
internal sealed class CounterSet
{
    private long _dispatches, _barriers, _submits, _objects, _allocations;

    public void Dispatched() => Interlocked.Increment(ref _dispatches);
    public void Barrier() => Interlocked.Increment(ref _barriers);
    public void Submitted() => Interlocked.Increment(ref _submits);
    public void ObjectCreated() => Interlocked.Increment(ref _objects);
    public void MemoryAllocated() => Interlocked.Increment(ref _allocations);

    public VulkanCounters Snapshot() => new(Interlocked.Read(ref _dispatches), Interlocked.Read(ref _barriers),
        Interlocked.Read(ref _submits), Interlocked.Read(ref _objects), Interlocked.Read(ref _allocations));
}
