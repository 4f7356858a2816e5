using System.Runtime.InteropServices;

namespace Electra.Cpu.Kernels.Int8.Vnni;

/// <summary>
/// Pages that hold generated machine code, W^X: mapped read-write, filled, then switched to read-execute, so they are
/// never writable and executable at once. Linux only (mmap/mprotect/munmap from libc); the caller checks the OS.
/// Unmapped when disposed or finalized: the caller must not run the code after that.
/// </summary>
internal sealed partial class ExecutableMemory : SafeHandle
{
    const int ProtRead = 1, ProtWrite = 2, ProtExec = 4;
    const int MapPrivate = 2, MapAnonymous = 0x20;

    readonly nuint _length;

    ExecutableMemory(nint address, nuint length) : base(-1, ownsHandle: true)
    {
        SetHandle(address);
        _length = length;
    }

    public override bool IsInvalid => handle == -1 || handle == 0;

    /// <summary>The first byte of the code.</summary>
    public nint Address => handle;

    /// <summary>Maps a copy of <paramref name="code"/> as executable, read-only memory.</summary>
    /// <exception cref="InvalidOperationException">mmap or mprotect failed (the message has errno).</exception>
    public static unsafe ExecutableMemory Create(ReadOnlySpan<byte> code)
    {
        nuint page = (nuint)Environment.SystemPageSize;
        nuint length = ((nuint)code.Length + page - 1) / page * page;
        nint address = mmap(0, length, ProtRead | ProtWrite, MapPrivate | MapAnonymous, -1, 0);
        if (address == -1)
            throw new InvalidOperationException($"mmap of {length} bytes failed (errno {Marshal.GetLastPInvokeError()})");
        var memory = new ExecutableMemory(address, length);
        code.CopyTo(new Span<byte>((void*)address, code.Length));
        if (mprotect(address, length, ProtRead | ProtExec) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            memory.Dispose();
            throw new InvalidOperationException($"mprotect to read+execute failed (errno {errno})");
        }
        return memory;
    }

    protected override bool ReleaseHandle() => munmap(handle, _length) == 0;

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static partial nint mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [LibraryImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static partial int mprotect(nint address, nuint length, int protection);

    [LibraryImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static partial int munmap(nint address, nuint length);
}
