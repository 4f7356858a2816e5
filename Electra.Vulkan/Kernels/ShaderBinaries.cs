using Electra.Core.Errors;

namespace Electra.Vulkan.Kernels;

/// <summary>SPIR-V compiled from shaders/*.comp by glslc at build time and embedded in this assembly.</summary>
internal static class ShaderBinaries
{
    /// <summary>A shader name ending in this is the named GL_NV_cooperative_matrix module rewritten for VK_KHR_cooperative_matrix.</summary>
    public const string KhrSuffix = "+khr";

    public static byte[] Load(string name)
    {
        if (name.EndsWith(KhrSuffix, StringComparison.Ordinal))
            return Spirv.CooperativeMatrixRewrite.ToKhr(Load(name[..^KhrSuffix.Length]));
        string resource = $"Shaders.{name}.spv";
        using var stream = typeof(ShaderBinaries).Assembly.GetManifestResourceStream(resource)
            ?? throw new BackendException($"embedded shader '{resource}' is missing from Electra.Vulkan (build problem: was glslc run?)");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
