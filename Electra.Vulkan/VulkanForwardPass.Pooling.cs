using System.Collections.Immutable;
using Electra.Core.Backend;
using Electra.Vulkan.Kernels;
using Electra.Vulkan.Tensors;

namespace Electra.Vulkan;

/// <summary>Sentence-embedding pooling on the device (pool_segments.comp): only the pooled rows are ever read back.</summary>
internal sealed partial class VulkanForwardPass
{
    public DeviceTensor PoolSegments(DeviceTensor x, DeviceTensor weights, ImmutableArray<int> segmentStarts, SegmentPooling pooling)
    {
        var (_, width, segments) = SegmentPoolingReference.Validate(x, weights, segmentStarts);
        var input = Single(x, "PoolSegments", "x");
        var w = Single(weights, "PoolSegments", "weights");
        // The pooled rows are a result (sentence embeddings, read back): float32 whatever the activations.
        var output = NewTensor([segments, width], DeviceDType.Float32);
        long count = output.ElementCount;
        if (count == 0) return output;
        w = As(w, half: false);
        var starts = (VulkanTensor)UploadInt(segmentStarts.AsSpan(), [segmentStarts.Length]);
        var catalog = _backend.Catalog;
        var grid = catalog.Grid(Groups(count));
        _recorder.Dispatch(Kernel(catalog.PoolSegments, input.Half),
            [input.Storage.Single, w.Storage.Single, starts.Storage.Single, output.Storage.Single],
            new PushConstants.PoolSegments((uint)count, (uint)width, (uint)pooling), grid.X, grid.Y);
        Release(starts);
        ReleaseConversions();
        return output;
    }
}
