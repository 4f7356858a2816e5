using Electra.Vulkan.Interop;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace Electra.Vulkan.Kernels;

/// <summary>A compute pipeline with its descriptor-set layout (N storage buffers) and push-constant range.</summary>
internal sealed unsafe class ComputeKernel : IDisposable
{
    private readonly VulkanContext _context;
    private bool _disposed;

    public KernelSpec Spec { get; }
    public DescriptorSetLayout SetLayout { get; }
    public PipelineLayout Layout { get; }
    public Pipeline Pipeline { get; }

    public ComputeKernel(VulkanContext context, KernelSpec spec, PipelineCache cache)
    {
        _context = context;
        Spec = spec;
        var vk = context.Vk;
        var device = context.Device;

        var bindings = new DescriptorSetLayoutBinding[spec.Bindings];
        for (int i = 0; i < bindings.Length; i++)
            bindings[i] = new DescriptorSetLayoutBinding
            {
                Binding = (uint)i,
                DescriptorType = DescriptorType.StorageBuffer,
                DescriptorCount = 1,
                StageFlags = ShaderStageFlags.ComputeBit,
            };
        fixed (DescriptorSetLayoutBinding* b = bindings)
        {
            var info = new DescriptorSetLayoutCreateInfo
            {
                SType = StructureType.DescriptorSetLayoutCreateInfo,
                BindingCount = (uint)bindings.Length,
                PBindings = b,
                // Push descriptors: the recorder writes the bindings into the command buffer, no set per dispatch.
                Flags = context.UsesPushDescriptors ? DescriptorSetLayoutCreateFlags.PushDescriptorBitKhr : 0,
            };
            DescriptorSetLayout setLayout;
            VulkanLoader.Check(vk.CreateDescriptorSetLayout(device, &info, null, &setLayout), "vkCreateDescriptorSetLayout");
            SetLayout = setLayout;
            context.Created();
        }

        var range = new PushConstantRange(ShaderStageFlags.ComputeBit, 0, (uint)spec.PushConstantBytes);
        var setLayoutHandle = SetLayout;
        var layoutInfo = new PipelineLayoutCreateInfo
        {
            SType = StructureType.PipelineLayoutCreateInfo,
            SetLayoutCount = 1,
            PSetLayouts = &setLayoutHandle,
            PushConstantRangeCount = 1,
            PPushConstantRanges = &range,
        };
        PipelineLayout layout;
        VulkanLoader.Check(vk.CreatePipelineLayout(device, &layoutInfo, null, &layout), "vkCreatePipelineLayout");
        Layout = layout;
        context.Created();

        byte[] code = ShaderBinaries.Load(spec.Shader);
        ShaderModule module;
        fixed (byte* c = code)
        {
            var moduleInfo = new ShaderModuleCreateInfo
            {
                SType = StructureType.ShaderModuleCreateInfo,
                CodeSize = (nuint)code.Length,
                PCode = (uint*)c,
            };
            VulkanLoader.Check(vk.CreateShaderModule(device, &moduleInfo, null, &module), "vkCreateShaderModule");
        }

        try
        {
            var constants = spec.Constants.ToArray();
            var entries = new SpecializationMapEntry[constants.Length];
            for (int i = 0; i < constants.Length; i++)
                entries[i] = new SpecializationMapEntry((uint)i, (uint)(i * sizeof(uint)), sizeof(uint));
            var entryName = SilkMarshal.StringToPtr("main");
            try
            {
                // Kernels that lay their subgroups out by gl_SubgroupID ask for the size they were specialized for.
                var subgroupSize = new PipelineShaderStageRequiredSubgroupSizeCreateInfo
                {
                    SType = StructureType.PipelineShaderStageRequiredSubgroupSizeCreateInfo,
                    RequiredSubgroupSize = spec.RequiredSubgroupSize,
                };
                fixed (uint* data = constants)
                fixed (SpecializationMapEntry* e = entries)
                {
                    var specInfo = new SpecializationInfo
                    {
                        MapEntryCount = (uint)entries.Length,
                        PMapEntries = e,
                        DataSize = (nuint)(constants.Length * sizeof(uint)),
                        PData = data,
                    };
                    var pipelineInfo = new ComputePipelineCreateInfo
                    {
                        SType = StructureType.ComputePipelineCreateInfo,
                        Stage = new PipelineShaderStageCreateInfo
                        {
                            SType = StructureType.PipelineShaderStageCreateInfo,
                            PNext = spec.RequiredSubgroupSize > 0 ? &subgroupSize : null,
                            Flags = spec.RequiredSubgroupSize > 0 ? PipelineShaderStageCreateFlags.RequireFullSubgroupsBit : 0,
                            Stage = ShaderStageFlags.ComputeBit,
                            Module = module,
                            PName = (byte*)entryName,
                            PSpecializationInfo = constants.Length > 0 ? &specInfo : null,
                        },
                        Layout = Layout,
                    };
                    Pipeline pipeline;
                    VulkanLoader.Check(vk.CreateComputePipelines(device, cache, 1, &pipelineInfo, null, &pipeline),
                        $"vkCreateComputePipelines({spec.Shader})");
                    Pipeline = pipeline;
                    context.Created();
                }
            }
            finally
            {
                SilkMarshal.Free(entryName);
            }
        }
        finally
        {
            // The pipeline keeps what it needs; the module is only an input to its creation.
            vk.DestroyShaderModule(device, module, null);
        }
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var vk = _context.Vk;
        vk.DestroyPipeline(_context.Device, Pipeline, null);
        vk.DestroyPipelineLayout(_context.Device, Layout, null);
        vk.DestroyDescriptorSetLayout(_context.Device, SetLayout, null);
        _context.Destroyed();
        _context.Destroyed();
        _context.Destroyed();
    }
}
