using Electra.Core.Errors;
using Electra.Vulkan.Interop;
using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace Electra.Vulkan.Memory;

/// <summary>Where a buffer lives: on the device, or host-visible for uploads and readbacks.</summary>
internal enum BufferKind { DeviceLocal, Upload, Readback }

/// <summary>One VkBuffer with its own VkDeviceMemory (mapped when host-visible).</summary>
internal sealed unsafe class GpuBuffer : IDisposable
{
    private readonly VulkanContext _context;
    private bool _disposed;

    public VkBuffer Handle { get; }
    public DeviceMemory Memory { get; }
    public long Size { get; }
    public BufferKind Kind { get; }

    /// <summary>Host address of the mapped memory, or null for device-local memory.</summary>
    public void* Mapped { get; }

    public GpuBuffer(VulkanContext context, long size, BufferKind kind)
    {
        _context = context;
        Size = Math.Max(16, (size + 15) & ~15L);
        Kind = kind;
        var vk = context.Vk;
        var usage = kind switch
        {
            BufferKind.DeviceLocal => BufferUsageFlags.StorageBufferBit | BufferUsageFlags.TransferDstBit | BufferUsageFlags.TransferSrcBit,
            BufferKind.Upload => BufferUsageFlags.TransferSrcBit,
            _ => BufferUsageFlags.TransferDstBit,
        };
        var info = new BufferCreateInfo
        {
            SType = StructureType.BufferCreateInfo,
            Size = (ulong)Size,
            Usage = usage,
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
                $"could not allocate {Size} bytes of {kind} memory on '{context.Caps.Info.Name}': {result}" +
                (result == Result.ErrorOutOfDeviceMemory ? " (out of GPU memory: try a smaller batch, --float16 weights, or --backend cpu)" : ""));
        }
        Memory = memory;
        context.Created();
        VulkanLoader.Check(vk.BindBufferMemory(context.Device, buffer, memory, 0), "vkBindBufferMemory");

        // Device-local memory that is also host-visible (integrated GPUs, lavapipe, resizable BAR) is mapped too,
        // so reads need no copy.
        var typeFlags = context.MemoryProperties.MemoryTypes[(int)alloc.MemoryTypeIndex].PropertyFlags;
        const MemoryPropertyFlags hostCoherent = MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit;
        if (kind != BufferKind.DeviceLocal || (typeFlags & hostCoherent) == hostCoherent)
        {
            void* mapped;
            VulkanLoader.Check(vk.MapMemory(context.Device, memory, 0, Vk.WholeSize, 0, &mapped), "vkMapMemory");
            Mapped = mapped;
        }
    }

    public bool IsHostVisible => Mapped != null;

    public Span<T> HostSpan<T>(int count) where T : unmanaged
    {
        if (Mapped == null) throw new InvalidOperationException("buffer is not host-visible");
        return new Span<T>(Mapped, count);
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
