using Electra.Hub;
using Electra.Tests.Checkpoints;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Electra.Tests.Hub;

/// <summary>The environment variables huggingface_hub reads, read the same way; patterns as fnmatch reads them.</summary>
public class HubOptionsTests
{
    private static HubOptions From(Dictionary<string, string> env, string home = "/home/u") => HubOptions.FromEnvironment(env, home);

    [Fact]
    public void DefaultsAreHuggingfaceHubs()
    {
        var o = From(new());
        Assert.Equal("https://huggingface.co", o.Endpoint);
        Assert.Equal("/home/u/.cache/huggingface/hub", o.Cache.Path);
        Assert.Null(o.Token);
        Assert.False(o.Offline);
        Assert.Equal(TimeSpan.FromSeconds(10), o.RequestTimeout);
        Assert.Equal(5, o.MaxResumes);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("ON", true)]
    [InlineData("yes", true)]
    [InlineData("True", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("", false)]
    public void OfflineFollowsHfHubOfflineTruthiness(string value, bool offline)
    {
        Assert.Equal(offline, From(new() { ["HF_HUB_OFFLINE"] = value }).Offline);
        Assert.Equal(offline, From(new() { ["TRANSFORMERS_OFFLINE"] = value }).Offline);
    }

    [Fact]
    public void EndpointLosesItsTrailingSlashAndTimeoutsAreRead()
    {
        var o = From(new() { ["HF_ENDPOINT"] = "https://hf-mirror.example/", ["HF_HUB_ETAG_TIMEOUT"] = "2.5", ["HF_HUB_DOWNLOAD_TIMEOUT"] = "x" });
        Assert.Equal("https://hf-mirror.example", o.Endpoint);
        Assert.Equal(TimeSpan.FromSeconds(2.5), o.RequestTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), o.ReadTimeout);
    }

    [Fact]
    public void TokenPrecedenceIsHfTokenThenLegacyThenTokenFile()
    {
        using var dir = new TempFolder();
        string hfHome = Path.Combine(dir.Path, "hf");
        Directory.CreateDirectory(hfHome);
        File.WriteAllText(Path.Combine(hfHome, "token"), "  hf_file \n");
        var env = new Dictionary<string, string> { ["HF_HOME"] = hfHome };
        Assert.Equal("hf_file", From(env).Token!.Value);
        Assert.Equal(Path.Combine(hfHome, "token"), From(env).Token!.Source);
        env["HUGGING_FACE_HUB_TOKEN"] = "hf_legacy";
        Assert.Equal("hf_legacy", From(env).Token!.Value);
        env["HF_TOKEN"] = "hf_env";
        Assert.Equal("hf_env", From(env).Token!.Value);
        env["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1";
        Assert.Null(From(env).Token);

        string custom = dir.File("custom-token", "hf_custom"u8.ToArray());
        Assert.Equal("hf_custom", From(new() { ["HF_TOKEN_PATH"] = custom }).Token!.Value);
        // huggingface_hub's HF_HOME default when unset: $XDG_CACHE_HOME/huggingface.
        Directory.CreateDirectory(Path.Combine(dir.Path, "xdg", "huggingface"));
        File.WriteAllText(Path.Combine(dir.Path, "xdg", "huggingface", "token"), "hf_xdg");
        Assert.Equal("hf_xdg", From(new() { ["XDG_CACHE_HOME"] = Path.Combine(dir.Path, "xdg") }).Token!.Value);
        File.WriteAllText(Path.Combine(hfHome, "token"), "\n");
        Assert.Null(From(new() { ["HF_HOME"] = hfHome }).Token);
    }

    [Fact]
    public void TheTokenNeverShowsInPrintedOptions()
    {
        var o = From(new() { ["HF_TOKEN"] = "hf_verySecretValue" });
        Assert.DoesNotContain("hf_verySecretValue", o.ToString());
        Assert.Contains("HubToken(from HF_TOKEN, redacted)", o.ToString());
    }

    [Theory]
    [InlineData("*.json", "config.json", true)]
    [InlineData("*.json", "1_Pooling/config.json", true)] // fnmatch's * crosses '/'
    [InlineData("*.json", "model.safetensors", false)]
    [InlineData("1_Pooling/", "1_Pooling/config.json", true)]
    [InlineData("1_Pooling/", "1_Pooling", false)]
    [InlineData("model-0000?-of-00002.safetensors", "model-00001-of-00002.safetensors", true)]
    [InlineData("[!v]ocab.txt", "vocab.txt", false)]
    [InlineData("[tv]ocab.txt", "vocab.txt", true)]
    [InlineData("[a-c]*", "config.json", true)]
    [InlineData("Config.json", "config.json", false)]
    [InlineData("a[b", "a[b", true)]
    [InlineData("a.b", "axb", false)]
    public void PatternsMatchAsFnmatch(string pattern, string name, bool matches) =>
        Assert.Equal(matches, RepoFilePattern.Parse(pattern).IsMatch(name));

    [Property(MaxTest = 200)]
    public Property APatternWithoutWildcardsMatchesOnlyItself(NonEmptyString a, NonEmptyString b)
    {
        string x = new(a.Get.Where(c => c is not ('*' or '?' or '[')).ToArray()), y = b.Get;
        return (x.Length == 0 || RepoFilePattern.Parse(x).IsMatch(y) == (x == y)).ToProperty();
    }

    [Property(MaxTest = 200)]
    public Property StarMatchesEveryPrefixAndSuffix(NonEmptyString a, string? b)
    {
        string x = new(a.Get.Where(c => c is not ('*' or '?' or '[')).ToArray());
        return (x.Length == 0 || RepoFilePattern.Parse(x + "*").IsMatch(x + (b ?? ""))).ToProperty();
    }
}
