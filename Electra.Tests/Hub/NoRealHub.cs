using System.Runtime.CompilerServices;

namespace Electra.Tests.Hub;

/// <summary>
/// No test may reach the real Hugging Face Hub or the user's real cache: a model name that is not a folder makes the
/// library ask the Hub, so before any test runs the Hub is pointed at a closed loopback port (refused at once) and the
/// cache at an empty temp folder. Tests that need a hub start a fake one and set these themselves.
/// </summary>
internal static class NoRealHub
{
#pragma warning disable CA2255 // a test assembly's own set-up, not a library's
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void PointAwayFromTheRealHub()
    {
        Environment.SetEnvironmentVariable("HF_ENDPOINT", "http://127.0.0.1:9");
        string cache = Directory.CreateTempSubdirectory("electra-no-hub-").FullName;
        Environment.SetEnvironmentVariable("HF_HUB_CACHE", cache);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(cache, recursive: true); } catch (IOException) { }
        };
        Environment.SetEnvironmentVariable("HF_TOKEN", null);
        Environment.SetEnvironmentVariable("HF_HUB_OFFLINE", null);
    }
}
