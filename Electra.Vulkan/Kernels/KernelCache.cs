using System.Collections.Concurrent;
using Electra.Vulkan.Interop;
using Silk.NET.Vulkan;

namespace Electra.Vulkan.Kernels;

/// <summary>
/// Builds each pipeline variant once per device through one VkPipelineCache, which is read from and written back to
/// disk (<see cref="PipelineCacheFile"/>) so that a second process skips the driver's shader compilation. The backend
/// builds every variant a forward can need at creation (<see cref="Warm"/>); thread-safe.
/// </summary>
internal sealed unsafe class KernelCache : IDisposable
{
    private readonly VulkanContext _context;
    private readonly ConcurrentDictionary<KernelSpec, Lazy<ComputeKernel>> _kernels = new();
    private readonly string? _path;
    private readonly List<string> _warnings;
    private readonly PipelineCache _cache;
    private int _created;

    public KernelCache(VulkanContext context, string? cacheDirectory, List<string> warnings)
    {
        _context = context;
        _warnings = warnings;
        _path = PipelineCacheFile.PathFor(cacheDirectory, context.Caps.CacheKey);
        var data = PipelineCacheFile.Load(_path, context.Caps.CacheKey, warnings);
        fixed (byte* d = data)
        {
            var info = new PipelineCacheCreateInfo
            {
                SType = StructureType.PipelineCacheCreateInfo,
                InitialDataSize = (nuint)(data?.Length ?? 0),
                PInitialData = d,
            };
            PipelineCache cache;
            VulkanLoader.Check(context.Vk.CreatePipelineCache(context.Device, &info, null, &cache), "vkCreatePipelineCache");
            _cache = cache;
            context.Created();
        }
    }

    public ComputeKernel Get(KernelSpec spec) =>
        _kernels.GetOrAdd(spec, s => new Lazy<ComputeKernel>(() =>
        {
            Interlocked.Increment(ref _created);
            return new ComputeKernel(_context, s, _cache);
        })).Value;

    /// <summary>Creates every listed variant now, so that no forward pays for (or counts) a pipeline creation.</summary>
    public void Warm(IEnumerable<KernelSpec> specs)
    {
        foreach (var spec in specs) Get(spec);
    }

    public int Count => _kernels.Count;

    private void Save()
    {
        if (_path is null || _created == 0) return;
        nuint size = 0;
        if (_context.Vk.GetPipelineCacheData(_context.Device, _cache, &size, null) != Result.Success || size == 0) return;
        var data = new byte[size];
        fixed (byte* d = data)
            if (_context.Vk.GetPipelineCacheData(_context.Device, _cache, &size, d) != Result.Success) return;
        PipelineCacheFile.Save(_path, data.AsSpan(0, (int)size), _warnings);
    }

    public void Dispose()
    {
        Save();
        foreach (var lazy in _kernels.Values)
            if (lazy.IsValueCreated) lazy.Value.Dispose();
        _kernels.Clear();
        _context.Vk.DestroyPipelineCache(_context.Device, _cache, null);
        _context.Destroyed();
    }
}
