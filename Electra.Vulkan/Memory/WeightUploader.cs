using Electra.Core.Errors;
using Electra.Vulkan.Interop;
using Electra.Vulkan.Recording;

namespace Electra.Vulkan.Memory;

/// <summary>
/// Copies host data into device-local buffers through host-visible staging buffers, split along the first axis so
/// that no buffer exceeds one storage-buffer binding. Serialized: uploads happen at model load.
/// </summary>
internal sealed class WeightUploader : IDisposable
{
    private readonly VulkanContext _context;
    private readonly CommandRecorder _recorder;
    private readonly object _lock = new();

    public WeightUploader(VulkanContext context)
    {
        _context = context;
        _recorder = new CommandRecorder(context);
    }

    /// <summary>Rows per buffer for a tensor of <paramref name="rows"/> rows of <paramref name="rowBytes"/> bytes.</summary>
    public long RowsPerChunk(long rows, long rowBytes, string what)
    {
        if (rowBytes > _context.MaxBindingBytes)
            throw new BackendException(
                $"{what}: one row of {rowBytes} bytes exceeds the largest storage buffer device '{_context.Caps.Info.Name}' can bind ({_context.MaxBindingBytes} bytes)");
        return Math.Max(1, Math.Min(rows, _context.MaxBindingBytes / Math.Max(1, rowBytes)));
    }

    /// <summary>Uploads <paramref name="data"/> (rows × rowBytes bytes) into chunks of <paramref name="rowsPerChunk"/> rows.</summary>
    public List<GpuBuffer> Upload(ReadOnlySpan<byte> data, long rows, long rowBytes, long rowsPerChunk)
    {
        var chunks = new List<GpuBuffer>();
        var staging = new List<GpuBuffer>();
        lock (_lock)
        {
            try
            {
                long chunkCount = Math.Max(1, (rows + rowsPerChunk - 1) / rowsPerChunk);
                for (long c = 0; c < chunkCount; c++)
                {
                    long first = c * rowsPerChunk;
                    long bytes = Math.Min(rowsPerChunk, rows - first) * rowBytes;
                    var device = _context.DeviceArena.Allocate(bytes);
                    chunks.Add(device);
                    if (bytes == 0) continue;
                    var stage = _context.UploadArena.Allocate(bytes);
                    staging.Add(stage);
                    data.Slice((int)(first * rowBytes), (int)bytes).CopyTo(stage.HostSpan<byte>((int)bytes));
                    _recorder.Copy(stage, device, bytes);
                }
                _recorder.SubmitAndWait();
            }
            catch
            {
                foreach (var b in chunks) b.Dispose();
                throw;
            }
            finally
            {
                foreach (var s in staging) s.Dispose();
            }
        }
        return chunks;
    }

    public void Dispose() => _recorder.Dispose();
}
