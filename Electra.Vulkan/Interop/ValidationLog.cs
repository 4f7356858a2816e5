using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Silk.NET.Core;
using Silk.NET.Vulkan;

namespace Electra.Vulkan.Interop;

/// <summary>
/// Collects validation-layer warnings and errors delivered through VK_EXT_debug_utils. Tests assert it stays empty.
/// </summary>
internal sealed unsafe class ValidationLog : IDisposable
{
    private readonly ConcurrentQueue<string> _messages = new();
    private GCHandle _self;

    public ValidationLog() => _self = GCHandle.Alloc(this);

    public ImmutableArray<string> Messages => [.. _messages];

    public void* UserData => (void*)GCHandle.ToIntPtr(_self);

    /// <summary>Messenger settings that report warnings and errors of every message type to this log.</summary>
    public DebugUtilsMessengerCreateInfoEXT CreateInfo() => new()
    {
        SType = StructureType.DebugUtilsMessengerCreateInfoExt,
        MessageSeverity = DebugUtilsMessageSeverityFlagsEXT.WarningBitExt | DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt,
        MessageType = DebugUtilsMessageTypeFlagsEXT.GeneralBitExt | DebugUtilsMessageTypeFlagsEXT.ValidationBitExt |
                      DebugUtilsMessageTypeFlagsEXT.PerformanceBitExt,
        PfnUserCallback = (delegate* unmanaged[Cdecl]<DebugUtilsMessageSeverityFlagsEXT, DebugUtilsMessageTypeFlagsEXT,
            DebugUtilsMessengerCallbackDataEXT*, void*, Bool32>)&OnMessage,
        PUserData = UserData,
    };

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static Bool32 OnMessage(DebugUtilsMessageSeverityFlagsEXT severity, DebugUtilsMessageTypeFlagsEXT types,
        DebugUtilsMessengerCallbackDataEXT* data, void* userData)
    {
        if (userData != null && GCHandle.FromIntPtr((nint)userData).Target is ValidationLog log)
        {
            string text = data != null && data->PMessage != null ? Marshal.PtrToStringUTF8((nint)data->PMessage) ?? "" : "";
            log._messages.Enqueue($"{severity}: {text}");
        }
        return new Bool32(false);   // never abort the call that triggered the message
    }

    public void Dispose()
    {
        if (_self.IsAllocated) _self.Free();
    }
}
