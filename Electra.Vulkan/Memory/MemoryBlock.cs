using Electra.Core.Errors;
using Electra.Vulkan.Interop;
using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace Electra.Vulkan.Memory;

/// <summary>
/// One VkBuffer over one VkDeviceMemory (mapped when host-visible), handed out in aligned ranges by first fit.
/// Not thread-safe: its <see cref="MemoryArena"/> serializes access.
/// </summary>
internal sealed unsafe class MemoryBlock : IDisposable
{
    private readonly VulkanContext _context;
    // Free ranges sorted by offset and never adjacent (freeing coalesces them).
    private readonly List<(long Offset, long Size)> _free = new();
    private bool _disposed;

    public VkBuffer Handle { get; }
    public DeviceMemory Memory { get; }
    public long Size { get; }
    public byte* Mapped { get; }
    public long FreeBytes { get; private set; }

    public MemoryBlock(VulkanContext context, long size, BufferKind kind)
    {
        _context = context;
        Size = size;
        var vk = context.Vk;
        var info = new BufferCreateInfo
        {
            SType = StructureType.BufferCreateInfo,
            Size = (ulong)size,
            Usage = kind switch
            {
                BufferKind.DeviceLocal => BufferUsageFlags.StorageBufferBit | BufferUsageFlags.TransferDstBit | BufferUsageFlags.TransferSrcBit,
                BufferKind.Upload => BufferUsageFlags.TransferSrcBit,
                _ => BufferUsageFlags.TransferDstBit,
            },
            SharingMode = SharingMode.Exclusive,
        };
        VkBuffer buffer;
        VulkanLoader.Check(vk.CreateBuffer(context.Device, &info, null, &buffer), "vkCreateBuffer");
        Handle = buffer;
        context.Created();

        vk.GetBufferMemoryRequirements(context.Device, buffer, out var req);
        var (required, preferred) = kind switch
        {
            BufferKind.DeviceLocal => (MemoryPropertyFlags.DeviceLocalBit, MemoryPropertyFlags.DeviceLocalBit),
            BufferKind.Upload => (MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit,
                MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit),
            _ => (MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit,
                MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit | MemoryPropertyFlags.HostCachedBit),
        };
        var alloc = new MemoryAllocateInfo
        {
            SType = StructureType.MemoryAllocateInfo,
            AllocationSize = req.Size,
            MemoryTypeIndex = context.FindMemoryType(req.MemoryTypeBits, required, preferred),
        };
        DeviceMemory memory;
        var result = vk.AllocateMemory(context.Device, &alloc, null, &memory);
        if (result != Result.Success)
        {
            vk.DestroyBuffer(context.Device, buffer, null);
            context.Destroyed();
            throw new BackendException(
                $"could not allocate {size} bytes of {kind} memory on '{context.Caps.Info.Name}': {result}" +
                (result == Result.ErrorOutOfDeviceMemory ? " (out of GPU memory: try a smaller batch, float16 weights, or --backend cpu)" : ""));
        }
        Memory = memory;
        context.Created();
        context.Counters.MemoryAllocated();
        VulkanLoader.Check(vk.BindBufferMemory(context.Device, buffer, memory, 0), "vkBindBufferMemory");

        // Device-local memory that is also host-visible (integrated GPUs, lavapipe, resizable BAR) is mapped too,
        // so reads need no copy.
        var typeFlags = context.MemoryProperties.MemoryTypes[(int)alloc.MemoryTypeIndex].PropertyFlags;
        const MemoryPropertyFlags hostCoherent = MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit;
        if (kind != BufferKind.DeviceLocal || (typeFlags & hostCoherent) == hostCoherent)
        {
            void* mapped;
            VulkanLoader.Check(vk.MapMemory(context.Device, memory, 0, Vk.WholeSize, 0, &mapped), "vkMapMemory");
            Mapped = (byte*)mapped;
        }
        _free.Add((0, size));
        FreeBytes = size;
    }

    /// <summary>The offset of a free range of <paramref name="size"/> bytes (a multiple of the alignment), or -1.</summary>
    public long TryAllocate(long size, long alignment)
    {
        for (int i = 0; i < _free.Count; i++)
        {
            var (offset, length) = _free[i];
            long start = (offset + alignment - 1) / alignment * alignment;
            long end = start + size;
            if (end > offset + length) continue;
            _free.RemoveAt(i);
            if (end < offset + length) _free.Insert(i, (end, offset + length - end));
            if (start > offset) _free.Insert(i, (offset, start - offset));
            FreeBytes -= size;
            return start;
        }
        return -1;
    }

    public void Free(long offset, long size)
    {
        int i = 0;
        while (i < _free.Count && _free[i].Offset < offset) i++;
        long start = offset, end = offset + size;
        if (i > 0 && _free[i - 1].Offset + _free[i - 1].Size == start)
        {
            start = _free[i - 1].Offset;
            _free.RemoveAt(--i);
        }
        if (i < _free.Count && _free[i].Offset == end)
        {
            end = _free[i].Offset + _free[i].Size;
            _free.RemoveAt(i);
        }
        _free.Insert(i, (start, end - start));
        FreeBytes += size;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var vk = _context.Vk;
        if (Mapped != null) vk.UnmapMemory(_context.Device, Memory);
        vk.DestroyBuffer(_context.Device, Handle, null);
        vk.FreeMemory(_context.Device, Memory, null);
        _context.Destroyed();
        _context.Destroyed();
    }
}
