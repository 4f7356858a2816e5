using Electra.Vulkan.Interop;
using Electra.Vulkan.Kernels;
using Electra.Vulkan.Memory;
using Silk.NET.Vulkan;

namespace Electra.Vulkan.Recording;

/// <summary>
/// Records dispatches and copies into one command buffer that lives as long as the recorder (reset after each
/// submission, never recreated) and submits it when results are needed. A barrier is recorded only before a command
/// that reads or writes bytes an earlier command since the last barrier wrote, or writes bytes one read (tracked per
/// buffer range), so independent commands overlap. Bindings are pushed into the command buffer
/// (VK_KHR_push_descriptor) where the device allows, else written into descriptor sets from pools that are reset,
/// not recreated. Owns its command pool, fence and descriptor pools, so recorders on different threads never share
/// Vulkan objects that need external synchronization.
/// </summary>
internal sealed unsafe class CommandRecorder : IDisposable
{
    private const uint SetsPerPool = 256;
    private const uint BuffersPerSet = 8;

    private readonly VulkanContext _context;
    private readonly CommandPool _pool;
    private readonly CommandBuffer _commands;
    private readonly Fence _fence;
    private readonly List<DescriptorPool> _descriptorPools = new();
    // Byte ranges written and read since the last barrier: (buffer handle, offset, size).
    private readonly List<(ulong Buffer, long Offset, long Size)> _written = new();
    private readonly List<(ulong Buffer, long Offset, long Size)> _read = new();
    private int _currentDescriptorPool;
    // Profiling: a timestamp pair per dispatch, read back after each submission.
    private const int MaxTimedDispatches = 2048;
    private readonly QueryPool _queries;
    private readonly string[] _timedShaders = [];
    private readonly ulong[] _timestamps = [];
    private int _timed;
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
        if (context.Profile != null)
        {
            _timedShaders = new string[MaxTimedDispatches];
            _timestamps = new ulong[2 * MaxTimedDispatches];
            var queryInfo = new QueryPoolCreateInfo
            {
                SType = StructureType.QueryPoolCreateInfo,
                QueryType = QueryType.Timestamp,
                QueryCount = 2 * MaxTimedDispatches,
            };
            QueryPool queries;
            VulkanLoader.Check(vk.CreateQueryPool(context.Device, &queryInfo, null, &queries), "vkCreateQueryPool");
            _queries = queries;
            context.Created();
        }
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
        if (_context.Profile != null) _context.Vk.CmdResetQueryPool(_commands, _queries, 0, 2 * MaxTimedDispatches);
        _timed = 0;
        _written.Clear();
        _read.Clear();
        HasPendingWork = false;
    }

    private static bool Overlaps(List<(ulong Buffer, long Offset, long Size)> ranges, GpuBuffer b)
    {
        foreach (var r in ranges)
            if (r.Buffer == b.Handle.Handle && r.Offset < b.Offset + b.Size && b.Offset < r.Offset + r.Size) return true;
        return false;
    }

    /// <summary>Records a barrier first when the command's reads or writes conflict with earlier unsynchronised ones.</summary>
    private void Track(ReadOnlySpan<GpuBuffer> buffers, uint writeMask)
    {
        bool hazard = false;
        for (int i = 0; i < buffers.Length && !hazard; i++)
        {
            bool writes = (writeMask & (1u << i)) != 0;
            hazard = Overlaps(_written, buffers[i]) || (writes && Overlaps(_read, buffers[i]));
        }
        if (hazard)
        {
            var barrier = new MemoryBarrier
            {
                SType = StructureType.MemoryBarrier,
                SrcAccessMask = AccessFlags.ShaderWriteBit | AccessFlags.TransferWriteBit,
                DstAccessMask = AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit | AccessFlags.TransferReadBit | AccessFlags.TransferWriteBit,
            };
            var stages = PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit;
            _context.Vk.CmdPipelineBarrier(_commands, stages, stages, 0, 1, &barrier, 0, null, 0, null);
            _context.Counters.Barrier();
            _written.Clear();
            _read.Clear();
        }
        for (int i = 0; i < buffers.Length; i++)
        {
            var range = (buffers[i].Handle.Handle, buffers[i].Offset, buffers[i].Size);
            if ((writeMask & (1u << i)) != 0) _written.Add(range);
            else _read.Add(range);
        }
    }

    public void Dispatch<T>(ComputeKernel kernel, ReadOnlySpan<GpuBuffer> buffers, T pushConstants, uint x, uint y = 1, uint z = 1)
        where T : unmanaged
    {
        if (x == 0 || y == 0 || z == 0) return;
        if (buffers.Length != kernel.Spec.Bindings)
            throw new InvalidOperationException($"{kernel.Spec.Shader} binds {kernel.Spec.Bindings} buffers, got {buffers.Length}");
        var vk = _context.Vk;
        Track(buffers, kernel.Spec.WriteMask);

        Span<DescriptorBufferInfo> infos = stackalloc DescriptorBufferInfo[buffers.Length];
        Span<WriteDescriptorSet> writes = stackalloc WriteDescriptorSet[buffers.Length];
        bool push = _context.UsesPushDescriptors;
        var set = push ? default : AllocateSet(kernel.SetLayout);
        fixed (DescriptorBufferInfo* pInfos = infos)
        fixed (WriteDescriptorSet* pWrites = writes)
        {
            for (int i = 0; i < buffers.Length; i++)
            {
                infos[i] = new DescriptorBufferInfo(buffers[i].Handle, (ulong)buffers[i].Offset, (ulong)buffers[i].Size);
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
            vk.CmdBindPipeline(_commands, PipelineBindPoint.Compute, kernel.Pipeline);
            if (push)
            {
                _context.PushDescriptorSet(_commands, PipelineBindPoint.Compute, kernel.Layout, 0, (uint)buffers.Length, pWrites);
            }
            else
            {
                vk.UpdateDescriptorSets(_context.Device, (uint)buffers.Length, pWrites, 0, null);
                vk.CmdBindDescriptorSets(_commands, PipelineBindPoint.Compute, kernel.Layout, 0, 1, &set, 0, null);
            }
        }
        vk.CmdPushConstants(_commands, kernel.Layout, ShaderStageFlags.ComputeBit, 0, (uint)sizeof(T), &pushConstants);
        bool timed = _context.Profile != null && _timed < MaxTimedDispatches;
        if (timed) vk.CmdWriteTimestamp(_commands, PipelineStageFlags.TopOfPipeBit, _queries, (uint)(2 * _timed));
        vk.CmdDispatch(_commands, x, y, z);
        if (timed)
        {
            vk.CmdWriteTimestamp(_commands, PipelineStageFlags.BottomOfPipeBit, _queries, (uint)(2 * _timed + 1));
            _timedShaders[_timed++] = kernel.Spec.Shader;
        }
        _context.Counters.Dispatched();
        HasPendingWork = true;
    }

    public void Copy(GpuBuffer source, GpuBuffer destination, long bytes, long sourceOffset = 0, long destinationOffset = 0)
    {
        if (bytes <= 0) return;
        Track([source.Slice(sourceOffset, bytes), destination.Slice(destinationOffset, bytes)], writeMask: 2);
        var region = new BufferCopy((ulong)(source.Offset + sourceOffset), (ulong)(destination.Offset + destinationOffset), (ulong)bytes);
        _context.Vk.CmdCopyBuffer(_commands, source.Handle, destination.Handle, 1, &region);
        HasPendingWork = true;
    }

    /// <summary>Fills a buffer with one 32-bit value (vkCmdFillBuffer).</summary>
    public void Fill(GpuBuffer destination, uint value)
    {
        Track([destination], writeMask: 1);
        _context.Vk.CmdFillBuffer(_commands, destination.Handle, (ulong)destination.Offset, (ulong)destination.Size, value);
        HasPendingWork = true;
    }

    /// <summary>Ends the command buffer, submits it, waits, and starts it again (its pool and descriptor pools reset).</summary>
    public void SubmitAndWait()
    {
        var vk = _context.Vk;
        if (HasPendingWork)
        {
            // Makes this submission's writes visible to the host (readbacks) and to every later submission's commands
            // (a pipeline barrier's second scope reaches into later command buffers on the queue).
            var barrier = new MemoryBarrier
            {
                SType = StructureType.MemoryBarrier,
                SrcAccessMask = AccessFlags.ShaderWriteBit | AccessFlags.TransferWriteBit,
                DstAccessMask = AccessFlags.HostReadBit | AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit |
                                AccessFlags.TransferReadBit | AccessFlags.TransferWriteBit,
            };
            vk.CmdPipelineBarrier(_commands, PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit,
                PipelineStageFlags.HostBit | PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit,
                0, 1, &barrier, 0, null, 0, null);
            _context.Counters.Barrier();
        }
        VulkanLoader.Check(vk.EndCommandBuffer(_commands), "vkEndCommandBuffer");
        if (HasPendingWork)
        {
            _context.SubmitAndWait(_commands, _fence);
            Submissions++;
            CollectTimestamps();
        }
        ResetAndBegin();
    }

    private void CollectTimestamps()
    {
        if (_context.Profile == null || _timed == 0) return;
        fixed (ulong* t = _timestamps)
            VulkanLoader.Check(_context.Vk.GetQueryPoolResults(_context.Device, _queries, 0, (uint)(2 * _timed), (nuint)(2 * _timed * sizeof(ulong)),
                t, sizeof(ulong), QueryResultFlags.Result64Bit | QueryResultFlags.ResultWaitBit), "vkGetQueryPoolResults");
        double msPerTick = _context.Caps.TimestampPeriod / 1e6;
        for (int i = 0; i < _timed; i++)
            _context.Profile.Add(_timedShaders[i], (_timestamps[2 * i + 1] - _timestamps[2 * i]) * msPerTick);
    }

    /// <summary>Drops whatever is recorded without running it (a pass abandoning a failed forward).</summary>
    public void Discard()
    {
        if (!HasPendingWork) return;
        VulkanLoader.Check(_context.Vk.EndCommandBuffer(_commands), "vkEndCommandBuffer");
        ResetAndBegin();
    }

    private void ResetAndBegin()
    {
        var vk = _context.Vk;
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
        if (_context.Profile != null)
        {
            vk.DestroyQueryPool(_context.Device, _queries, null);
            _context.Destroyed();
        }
        vk.DestroyCommandPool(_context.Device, _pool, null);
        _context.Destroyed();
        _context.Destroyed();
    }
}
