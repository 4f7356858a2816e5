using System.IO.MemoryMappedFiles;

namespace Electra.Core.Checkpoints;

/// <summary>
/// A read-only memory map of a whole file. The mapping is released when the last object referring to this instance
/// becomes unreachable (tensors viewing it keep it alive), or explicitly by <see cref="Release"/> when no view was
/// handed out.
/// </summary>
internal sealed unsafe class MappedFile
{
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private int _released;

    public MappedFile(string path)
    {
        Path = path;
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Length = stream.Length;
        if (Length == 0) return;
        _map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
    }

    public string Path { get; }
    public long Length { get; }
    public byte* Base => _base;

    public ReadOnlySpan<byte> Bytes(long offset, int length) => new(_base + offset, length);

    ~MappedFile() => ReleaseCore();

    public void Release()
    {
        ReleaseCore();
        GC.SuppressFinalize(this);
    }

    private void ReleaseCore()
    {
        if (_view is null || Interlocked.Exchange(ref _released, 1) == 1) return;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map!.Dispose();
    }
}
