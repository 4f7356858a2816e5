using Electra.Vulkan.Interop;
using Electra.Vulkan.Memory;
using Electra.Vulkan.Kernels;
using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace Electra.Vulkan.Recording;

/// <summary>
/// Records dispatches and copies into one command buffer, a global memory barrier between consecutive commands,
/// and submits it when results are needed. Owns its command pool, fence and descriptor pools, so recorders on
/// different threads never share Vulkan objects that need external synchronization.
/// </summary>
internal sealed unsafe class CommandRecorder : IDisposable
{
    private const uint SetsPerPool = 256;
    private const uint BuffersPerSet = 6;

    private readonly VulkanContext _context;
    private readonly CommandPool _pool;
    private readonly CommandBuffer _commands;
    private readonly Fence _fence;
    private readonly List<DescriptorPool> _descriptorPools = new();
    private int _currentDescriptorPool;
    private bool _needsBarrier;
    private bool _disposed;

    /// <summary>Commands are recorded that have not been submitted yet.</summary>
    public bool HasPendingWork { get; private set; }

    /// <summary>Number of queue submissions so far (for tests of the one-submission contract).</summary>
    public int Submissions { get; private set; }

    public CommandRecorder(VulkanContext context)
    {
        _context = context;
        var vk = context.Vk;
        var poolInfo = new CommandPoolCreateInfo
        {
            SType = StructureType.CommandPoolCreateInfo,
            QueueFamilyIndex = context.Caps.ComputeQueueFamily,
            Flags = CommandPoolCreateFlags.TransientBit,
        };
        CommandPool pool;
        VulkanLoader.Check(vk.CreateCommandPool(context.Device, &poolInfo, null, &pool), "vkCreateCommandPool");
        _pool = pool;
        context.Created();

        var allocInfo = new CommandBufferAllocateInfo
        {
            SType = StructureType.CommandBufferAllocateInfo,
            CommandPool = _pool,
            Level = CommandBufferLevel.Primary,
            CommandBufferCount = 1,
        };
        CommandBuffer commands;
        VulkanLoader.Check(vk.AllocateCommandBuffers(context.Device, &allocInfo, &commands), "vkAllocateCommandBuffers");
        _commands = commands;

        var fenceInfo = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
        Fence fence;
        VulkanLoader.Check(vk.CreateFence(context.Device, &fenceInfo, null, &fence), "vkCreateFence");
        _fence = fence;
        context.Created();
        Begin();
    }

    private void Begin()
    {
        var begin = new CommandBufferBeginInfo
        {
            SType = StructureType.CommandBufferBeginInfo,
            Flags = CommandBufferUsageFlags.OneTimeSubmitBit,
        };
        VulkanLoader.Check(_context.Vk.BeginCommandBuffer(_commands, &begin), "vkBeginCommandBuffer");
        _needsBarrier = false;
        HasPendingWork = false;
    }

    /// <summary>Makes every earlier shader or transfer write visible to every later shader or transfer access.</summary>
    private void BarrierIfNeeded()
    {
        if (!_needsBarrier) return;
        var barrier = new MemoryBarrier
        {
            SType = StructureType.MemoryBarrier,
            SrcAccessMask = AccessFlags.ShaderWriteBit | AccessFlags.TransferWriteBit,
            DstAccessMask = AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit | AccessFlags.TransferReadBit | AccessFlags.TransferWriteBit,
        };
        var stages = PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit;
        _context.Vk.CmdPipelineBarrier(_commands, stages, stages, 0, 1, &barrier, 0, null, 0, null);
    }

    public void Dispatch<T>(ComputeKernel kernel, ReadOnlySpan<GpuBuffer> buffers, T pushConstants, uint x, uint y = 1, uint z = 1)
        where T : unmanaged
    {
        if (x == 0 || y == 0 || z == 0) return;
        if (buffers.Length != kernel.Spec.Bindings)
            throw new InvalidOperationException($"{kernel.Spec.Shader} binds {kernel.Spec.Bindings} buffers, got {buffers.Length}");
        var vk = _context.Vk;
        var set = AllocateSet(kernel.SetLayout);

        Span<DescriptorBufferInfo> infos = stackalloc DescriptorBufferInfo[buffers.Length];
        Span<WriteDescriptorSet> writes = stackalloc WriteDescriptorSet[buffers.Length];
        fixed (DescriptorBufferInfo* pInfos = infos)
        {
            for (int i = 0; i < buffers.Length; i++)
            {
                infos[i] = new DescriptorBufferInfo(buffers[i].Handle, 0, (ulong)buffers[i].Size);
                writes[i] = new WriteDescriptorSet
                {
                    SType = StructureType.WriteDescriptorSet,
                    DstSet = set,
                    DstBinding = (uint)i,
                    DescriptorCount = 1,
                    DescriptorType = DescriptorType.StorageBuffer,
                    PBufferInfo = pInfos + i,
                };
            }
            fixed (WriteDescriptorSet* pWrites = writes)
                vk.UpdateDescriptorSets(_context.Device, (uint)buffers.Length, pWrites, 0, null);
        }

        BarrierIfNeeded();
        vk.CmdBindPipeline(_commands, PipelineBindPoint.Compute, kernel.Pipeline);
        vk.CmdBindDescriptorSets(_commands, PipelineBindPoint.Compute, kernel.Layout, 0, 1, &set, 0, null);
        vk.CmdPushConstants(_commands, kernel.Layout, ShaderStageFlags.ComputeBit, 0, (uint)sizeof(T), &pushConstants);
        vk.CmdDispatch(_commands, x, y, z);
        _needsBarrier = true;
        HasPendingWork = true;
    }

    public void Copy(GpuBuffer source, GpuBuffer destination, long bytes, long sourceOffset = 0, long destinationOffset = 0)
    {
        if (bytes <= 0) return;
        BarrierIfNeeded();
        var region = new BufferCopy((ulong)sourceOffset, (ulong)destinationOffset, (ulong)bytes);
        _context.Vk.CmdCopyBuffer(_commands, source.Handle, destination.Handle, 1, &region);
        _needsBarrier = true;
        HasPendingWork = true;
    }

    /// <summary>Ends the command buffer, submits it, waits, and starts a new one (descriptor sets are recycled).</summary>
    public void SubmitAndWait()
    {
        var vk = _context.Vk;
        if (HasPendingWork)
        {
            // Make transfer writes (readbacks) visible to the host before the fence signals.
            var barrier = new MemoryBarrier
            {
                SType = StructureType.MemoryBarrier,
                SrcAccessMask = AccessFlags.ShaderWriteBit | AccessFlags.TransferWriteBit,
                DstAccessMask = AccessFlags.HostReadBit,
            };
            vk.CmdPipelineBarrier(_commands, PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit,
                PipelineStageFlags.HostBit, 0, 1, &barrier, 0, null, 0, null);
        }
        VulkanLoader.Check(vk.EndCommandBuffer(_commands), "vkEndCommandBuffer");
        if (HasPendingWork)
        {
            _context.SubmitAndWait(_commands, _fence);
            Submissions++;
        }
        VulkanLoader.Check(vk.ResetCommandPool(_context.Device, _pool, 0), "vkResetCommandPool");
        foreach (var p in _descriptorPools) vk.ResetDescriptorPool(_context.Device, p, 0);
        _currentDescriptorPool = 0;
        Begin();
    }

    private DescriptorSet AllocateSet(DescriptorSetLayout layout)
    {
        var vk = _context.Vk;
        while (true)
        {
            if (_currentDescriptorPool == _descriptorPools.Count) _descriptorPools.Add(CreateDescriptorPool());
            var info = new DescriptorSetAllocateInfo
            {
                SType = StructureType.DescriptorSetAllocateInfo,
                DescriptorPool = _descriptorPools[_currentDescriptorPool],
                DescriptorSetCount = 1,
                PSetLayouts = &layout,
            };
            DescriptorSet set;
            var result = vk.AllocateDescriptorSets(_context.Device, &info, &set);
            if (result == Result.Success) return set;
            if (result != Result.ErrorOutOfPoolMemory && result != Result.ErrorFragmentedPool)
                VulkanLoader.Check(result, "vkAllocateDescriptorSets");
            _currentDescriptorPool++;
        }
    }

    private DescriptorPool CreateDescriptorPool()
    {
        var size = new DescriptorPoolSize(DescriptorType.StorageBuffer, SetsPerPool * BuffersPerSet);
        var info = new DescriptorPoolCreateInfo
        {
            SType = StructureType.DescriptorPoolCreateInfo,
            MaxSets = SetsPerPool,
            PoolSizeCount = 1,
            PPoolSizes = &size,
        };
        DescriptorPool pool;
        VulkanLoader.Check(_context.Vk.CreateDescriptorPool(_context.Device, &info, null, &pool), "vkCreateDescriptorPool");
        _context.Created();
        return pool;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var vk = _context.Vk;
        vk.EndCommandBuffer(_commands);
        foreach (var p in _descriptorPools)
        {
            vk.DestroyDescriptorPool(_context.Device, p, null);
            _context.Destroyed();
        }
        vk.DestroyFence(_context.Device, _fence, null);
        vk.DestroyCommandPool(_context.Device, _pool, null);
        _context.Destroyed();
        _context.Destroyed();
    }
}
