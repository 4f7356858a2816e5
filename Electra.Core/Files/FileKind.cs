using System.Runtime.InteropServices;

namespace Electra.Core.Files;

/// <summary>What a path names once links are followed (stat(2)), before anything opens it.</summary>
internal enum FileKind { Missing, Inaccessible, Regular, Directory, Fifo, CharacterDevice, BlockDevice, Socket, Other, Unknown }

/// <summary>
/// The file type of a path. .NET exposes no file type on Unix, and opening a FIFO blocks until a writer appears, so
/// the type must be known before the open: stat(2) from libc, whose struct layout is fixed per architecture.
/// </summary>
internal static partial class FileKinds
{
    private const uint TypeMask = 0xF000, Fifo = 0x1000, Chr = 0x2000, Dir = 0x4000, Blk = 0x6000, Reg = 0x8000, Sock = 0xC000;

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Stat(string path, byte* buffer);

    /// <summary>Byte offset of st_mode in struct stat: x86-64 has st_nlink before it, the generic layout (arm64) does not.</summary>
    private static int ModeOffset => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 24,
        Architecture.Arm64 or Architecture.RiscV64 or Architecture.LoongArch64 => 16,
        _ => -1,
    };

    public static FileKind Of(string path)
    {
        if (OperatingSystem.IsLinux() && ModeOffset >= 0)
        {
            try { return OfLinux(path); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        }
        // Elsewhere only what .NET can tell: a directory, an existing entry, or nothing.
        if (Directory.Exists(path)) return FileKind.Directory;
        return File.Exists(path) ? FileKind.Unknown : FileKind.Missing;
    }

    private static unsafe FileKind OfLinux(string path)
    {
        // struct stat is 144 bytes on x86-64 and 128 on arm64; the buffer is larger than either.
        byte* buffer = stackalloc byte[512];
        if (Stat(path, buffer) != 0)
            return Marshal.GetLastPInvokeError() is 2 or 20 ? FileKind.Missing : FileKind.Inaccessible; // ENOENT, ENOTDIR
        uint mode = *(uint*)(buffer + ModeOffset);
        return (mode & TypeMask) switch
        {
            Reg => FileKind.Regular,
            Dir => FileKind.Directory,
            Fifo => FileKind.Fifo,
            Chr => FileKind.CharacterDevice,
            Blk => FileKind.BlockDevice,
            Sock => FileKind.Socket,
            _ => FileKind.Other,
        };
    }
}
