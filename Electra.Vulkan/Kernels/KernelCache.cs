using System.Collections.Concurrent;
using Electra.Vulkan.Interop;

namespace Electra.Vulkan.Kernels;

/// <summary>Builds each pipeline variant once per device, on first use; thread-safe.</summary>
internal sealed class KernelCache : IDisposable
{
    private readonly VulkanContext _context;
    private readonly ConcurrentDictionary<KernelSpec, Lazy<ComputeKernel>> _kernels = new();

    public KernelCache(VulkanContext context) => _context = context;

    public ComputeKernel Get(KernelSpec spec) =>
        _kernels.GetOrAdd(spec, s => new Lazy<ComputeKernel>(() => new ComputeKernel(_context, s))).Value;

    public int Count => _kernels.Count;

    public void Dispose()
    {
        foreach (var lazy in _kernels.Values)
            if (lazy.IsValueCreated) lazy.Value.Dispose();
        _kernels.Clear();
    }
}
