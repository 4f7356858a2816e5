using Electra.Core.Checkpoints;
using Electra.Core.Errors;
using Electra.Hub;
using Electra.Tests.Checkpoints;

namespace Electra.Tests.Hub;

/// <summary>Offline resolution of folders and hub ids against a fake Hugging Face cache in a temp folder.</summary>
public class ModelLocatorTests
{
    private const string Id = "google/electra-small-discriminator";
    private const string MainCommit = "fa8239aadc095e9164941d05878b98afe9b953c3";
    private const string OtherCommit = "0123456789abcdef0123456789abcdef01234567";

    /// <summary>hub/models--google--electra-small-discriminator with refs/main → MainCommit and two snapshots.</summary>
    private static string FakeCache(TempFolder dir, bool withRef = true)
    {
        string hub = Path.Combine(dir.Path, "hub");
        string repo = Path.Combine(hub, "models--google--electra-small-discriminator");
        foreach (var commit in new[] { MainCommit, OtherCommit })
        {
            Directory.CreateDirectory(Path.Combine(repo, "snapshots", commit));
            File.WriteAllText(Path.Combine(repo, "snapshots", commit, "config.json"), "{}");
        }
        Directory.CreateDirectory(Path.Combine(repo, "refs", "refs", "pr"));
        if (withRef) File.WriteAllText(Path.Combine(repo, "refs", "main"), MainCommit); // no trailing newline, as the hub writes it
        File.WriteAllText(Path.Combine(repo, "refs", "v1"), OtherCommit + "\n");
        File.WriteAllText(Path.Combine(repo, "refs", "refs", "pr", "1"), OtherCommit);
        return hub;
    }

    private static HubCacheRoot[] Roots(string hub) => [new HubCacheRoot(hub, "test")];

    [Fact]
    public void ExistingFolderIsUsedAsItIs()
    {
        using var dir = new TempFolder();
        Assert.Equal(Path.GetFullPath(dir.Path), ModelLocator.Resolve(dir.Path, null, []));
    }

    [Fact]
    public void HubIdFollowsRefsMainToItsSnapshot()
    {
        using var dir = new TempFolder();
        var hub = FakeCache(dir);
        var resolved = ModelLocator.Resolve(Id, null, Roots(hub));
        Assert.Equal(Path.Combine(hub, "models--google--electra-small-discriminator", "snapshots", MainCommit), resolved);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("refs/pr/1")]
    [InlineData(OtherCommit)]
    public void RevisionSelectsBranchTagPrOrCommit(string revision)
    {
        using var dir = new TempFolder();
        var hub = FakeCache(dir);
        Assert.EndsWith(OtherCommit, ModelLocator.Resolve(Id, revision, Roots(hub)));
    }

    [Fact]
    public void LaterCacheRootsAreTriedWhenEarlierOnesLackTheModel()
    {
        using var dir = new TempFolder();
        var hub = FakeCache(dir);
        var empty = Directory.CreateDirectory(Path.Combine(dir.Path, "empty")).FullName;
        Assert.EndsWith(MainCommit, ModelLocator.Resolve(Id, null, [new HubCacheRoot(empty, "a"), new HubCacheRoot(hub, "b")]));
    }

    [Fact]
    public void MissingModelSaysWhereItLookedAndHowToDownload()
    {
        using var dir = new TempFolder();
        var hub = Path.Combine(dir.Path, "nothing-here");
        var e = Assert.Throws<ModelNotFoundException>(() => ModelLocator.Resolve(Id, null, Roots(hub)));
        Assert.Equal(Id, e.Name);
        Assert.Equal(2, e.SearchedLocations.Length);
        Assert.Contains(Path.GetFullPath(Id), e.Message);
        Assert.Contains(hub, e.Message);
        Assert.Contains("models--google--electra-small-discriminator", e.Message);
        Assert.Contains("electra download google/electra-small-discriminator", e.Message);
        Assert.Contains("git clone https://huggingface.co/google/electra-small-discriminator", e.Message);
    }

    [Fact]
    public void RefPointingToAMissingSnapshotIsExplained()
    {
        using var dir = new TempFolder();
        var hub = FakeCache(dir);
        Directory.Delete(Path.Combine(hub, "models--google--electra-small-discriminator", "snapshots", MainCommit), recursive: true);
        var e = Assert.Throws<ModelNotFoundException>(() => ModelLocator.Resolve(Id, null, Roots(hub)));
        Assert.Contains($"refs/main points to {MainCommit}", e.Message);
        Assert.Contains(OtherCommit, e.Message); // the snapshots that are there
    }

    [Fact]
    public void WithoutRefsMainTheAvailableSnapshotsAreListed()
    {
        using var dir = new TempFolder();
        var hub = FakeCache(dir, withRef: false);
        var e = Assert.Throws<ModelNotFoundException>(() => ModelLocator.Resolve(Id, null, Roots(hub)));
        Assert.Contains("no refs/main", e.Message);
        Assert.Contains(MainCommit, e.Message);
        Assert.Equal(MainCommit, Path.GetFileName(ModelLocator.Resolve(Id, MainCommit, Roots(hub))));
    }

    [Fact]
    public void RefFileCannotSteerThePathOutsideSnapshots()
    {
        using var dir = new TempFolder();
        var hub = FakeCache(dir);
        File.WriteAllText(Path.Combine(hub, "models--google--electra-small-discriminator", "refs", "main"), "../../..");
        var e = Assert.Throws<ModelNotFoundException>(() => ModelLocator.Resolve(Id, null, Roots(hub)));
        Assert.Contains("does not hold a commit hash", e.Message);
    }

    [Theory]
    [InlineData("../etc")]
    [InlineData("/abs/path/that/does/not/exist")]
    [InlineData("a/b/c")]
    [InlineData("bad--name/x")]
    public void NonHubNamesAreNotLookedUpInTheCache(string name)
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<ModelNotFoundException>(() => ModelLocator.Resolve(name, null, Roots(FakeCache(dir))));
        Assert.Contains("is not a hub id", e.Message);
        Assert.DoesNotContain("electra download", e.Message);
    }

    [Fact]
    public void RevisionWithDotDotIsRefused()
    {
        using var dir = new TempFolder();
        var e = Assert.Throws<ModelNotFoundException>(() => ModelLocator.Resolve(Id, "../../x", Roots(FakeCache(dir))));
        Assert.Contains("revision '../../x'", e.Message);
    }

    [Fact]
    public void LegacyIdWithoutNamespaceResolves()
    {
        using var dir = new TempFolder();
        var hub = Path.Combine(dir.Path, "hub");
        var snapshot = Directory.CreateDirectory(Path.Combine(hub, "models--bert-base-uncased", "snapshots", MainCommit)).FullName;
        Directory.CreateDirectory(Path.Combine(hub, "models--bert-base-uncased", "refs"));
        File.WriteAllText(Path.Combine(hub, "models--bert-base-uncased", "refs", "main"), MainCommit);
        Assert.Equal(snapshot, ModelLocator.Resolve("bert-base-uncased", null, Roots(hub)));
    }

    [Fact]
    public void SnapshotFilesLinkedToBlobsLoadLikeTheRealCache()
    {
        // The hub stores file contents once under blobs/ and links them from snapshots/<commit>/.
        using var dir = new TempFolder();
        var repo = Path.Combine(dir.Path, "hub", "models--someone--tiny-electra");
        var blobs = Directory.CreateDirectory(Path.Combine(repo, "blobs")).FullName;
        var snapshot = Directory.CreateDirectory(Path.Combine(repo, "snapshots", MainCommit)).FullName;
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), MainCommit);
        var fixture = Support.SharedData.Fixture("pretraining_loss_silu_bin");
        foreach (var (file, blob) in new[] { ("config.json", "3f1c"), ("pytorch_model.bin", "9ab2") })
        {
            File.Copy(Path.Combine(fixture, file), Path.Combine(blobs, blob));
            File.CreateSymbolicLink(Path.Combine(snapshot, file), Path.Combine("..", "..", "blobs", blob));
        }

        var folder = ModelLocator.Resolve("someone/tiny-electra", null, Roots(Path.Combine(dir.Path, "hub")));
        using var weights = CheckpointLoader.Open(folder);
        Assert.Equal(57, weights.Keys.Count);
        Assert.Equal([250, 32], weights.ReadFloat32("electra.embeddings.word_embeddings.weight").Shape.ToArray());
    }

    public static TheoryData<Dictionary<string, string>, string, string> Environments() => new()
    {
        { new() { ["HF_HUB_CACHE"] = "/c/hub", ["HF_HOME"] = "/h", ["XDG_CACHE_HOME"] = "/x" }, "/c/hub", "HF_HUB_CACHE" },
        { new() { ["HUGGINGFACE_HUB_CACHE"] = "/legacy", ["HF_HOME"] = "/h" }, "/legacy", "HUGGINGFACE_HUB_CACHE" },
        { new() { ["HF_HOME"] = "/h", ["XDG_CACHE_HOME"] = "/x" }, "/h/hub", "HF_HOME/hub" },
        { new() { ["HF_HUB_CACHE"] = "", ["HF_HOME"] = "~/hf" }, "/home/u/hf/hub", "HF_HOME/hub" },
        { new() { ["XDG_CACHE_HOME"] = "/x" }, "/x/huggingface/hub", "XDG_CACHE_HOME/huggingface/hub" },
        { new(), "/home/u/.cache/huggingface/hub", "default ~/.cache/huggingface/hub" },
    };

    [Theory]
    [MemberData(nameof(Environments))]
    public void CacheRootFollowsHuggingfaceHubPrecedence(Dictionary<string, string> env, string expected, string source)
    {
        var root = ModelLocator.HubCacheFromEnvironment(env, "/home/u");
        Assert.Equal(expected.Replace('/', Path.DirectorySeparatorChar), root.Path.Replace('/', Path.DirectorySeparatorChar));
        Assert.Equal(source, root.Source);
    }
}
