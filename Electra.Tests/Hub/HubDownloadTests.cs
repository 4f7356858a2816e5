using System.Text;
using Electra.Core.Checkpoints;
using Electra.Core.Errors;
using Electra.Hub;

namespace Electra.Tests.Hub;

/// <summary>Downloads from a fake hub on loopback into a temp hub cache, checked file by file against huggingface_hub's layout.</summary>
public sealed class HubDownloadTests : IAsyncLifetime
{
    private const string Id = "someone/tiny-electra";
    private readonly HubFixture _f = new();

    public Task InitializeAsync() => Task.CompletedTask;
    public async Task DisposeAsync() => await _f.DisposeAsync();

    private FakeRepo AddSmallModel(string id = Id, params string[] refs) => _f.Hub.Add(id, HubFixture.Commit, HubFixture.SmallModel(), refs);

    [Fact]
    public async Task ModelFilesLandInTheHubCacheLayoutFileByFile()
    {
        var files = HubFixture.SmallModel();
        AddSmallModel();
        var snapshot = await _f.DownloadAsync(Id);

        string repo = _f.RepoFolder(Id);
        string snap = Path.Combine(repo, "snapshots", HubFixture.Commit);
        Assert.Equal(snap, snapshot.Folder);
        Assert.Equal(HubFixture.Commit, snapshot.Commit);
        Assert.False(snapshot.FromCacheOnly);
        // Only what a model needs: no README, TF, ONNX, .gitattributes or fixture inputs.
        string[] needed = ["config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"];
        Assert.Equal(needed, Directory.GetFileSystemEntries(snap).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var name in needed)
        {
            string etag = FakeRepo.IsLfs(name) ? FakeHub.Sha256(files[name]) : FakeHub.GitSha1(files[name]);
            var link = new FileInfo(Path.Combine(snap, name));
            Assert.Equal(Path.Combine("..", "..", "blobs", etag), link.LinkTarget); // relative, as huggingface_hub makes it
            Assert.Equal(files[name], File.ReadAllBytes(Path.Combine(repo, "blobs", etag)));
            Assert.Equal(files[name], File.ReadAllBytes(link.FullName));
        }
        Assert.Equal(needed.Length, Directory.GetFiles(Path.Combine(repo, "blobs")).Length); // no .incomplete left
        Assert.Equal(HubFixture.Commit, File.ReadAllText(Path.Combine(repo, "refs", "main"))); // no newline
        Assert.Equal(["main"], Directory.GetFileSystemEntries(Path.Combine(repo, "refs")).Select(Path.GetFileName));
        Assert.Equal(["blobs", "refs", "snapshots"], Directory.GetDirectories(repo).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(Path.Combine(_f.CacheRoot, ".locks", "models--someone--tiny-electra", FakeHub.Sha256(files["model.safetensors"]) + ".lock")));

        // The offline resolver finds exactly this folder, and the weights open from it.
        Assert.Equal(snap, ModelLocator.Resolve(Id, null, [new HubCacheRoot(_f.CacheRoot, "test")]));
        using var weights = CheckpointLoader.Open(snap);
        Assert.Contains("electra.embeddings.word_embeddings.weight", weights.Keys);
    }

    [Fact]
    public async Task ProtocolRequestsAreTheOnesHuggingfaceHubMakes()
    {
        AddSmallModel();
        await _f.DownloadAsync(Id);
        var paths = _f.Hub.HubRequests.Select(r => $"{r.Method} {r.Path}").ToList();
        Assert.Equal("GET /api/models/someone/tiny-electra/revision/main", paths[0]);
        Assert.Contains($"HEAD /someone/tiny-electra/resolve/{HubFixture.Commit}/config.json", paths);
        Assert.Contains($"GET /someone/tiny-electra/resolve/{HubFixture.Commit}/config.json", paths);
        Assert.Contains($"HEAD /someone/tiny-electra/resolve/{HubFixture.Commit}/model.safetensors", paths);
        // The LFS file comes from the CDN the 302 named, signature included, not from the hub.
        Assert.DoesNotContain($"GET /someone/tiny-electra/resolve/{HubFixture.Commit}/model.safetensors", paths);
        var cdn = Assert.Single(_f.Hub.CdnRequests);
        Assert.EndsWith("?X-Amz-Signature=signed", cdn.Path);
        Assert.All(_f.Hub.HubRequests.Concat(_f.Hub.CdnRequests), r => Assert.Equal("identity", r.Header("Accept-Encoding")));
        Assert.All(_f.Hub.HubRequests, r => Assert.StartsWith("electra-dotnet/", r.Header("User-Agent")));
    }

    [Fact]
    public async Task TokenGoesToTheHubOnlyNeverToTheCdnNorIntoMessages()
    {
        const string secret = "hf_secretSecretSecret123";
        AddSmallModel().Private = true;
        _f.Hub.Token = secret;
        var options = _f.Options with { Token = new HubToken(secret) };
        await _f.DownloadAsync(Id, options: options);

        Assert.All(_f.Hub.HubRequests, r => Assert.Equal($"Bearer {secret}", r.Header("Authorization")));
        Assert.NotEmpty(_f.Hub.CdnRequests);
        Assert.All(_f.Hub.CdnRequests, r => Assert.Null(r.Header("Authorization")));
        Assert.DoesNotContain(secret, options.ToString());

        var wrong = await Assert.ThrowsAsync<HubRepositoryNotFoundException>(() => _f.DownloadAsync(Id, options: options with
        {
            Token = new HubToken("hf_wrongWrongWrong") { Source = "HF_TOKEN" },
            Cache = new HubCacheRoot(Path.Combine(_f.Temp, "other"), "test"),
        }));
        Assert.DoesNotContain("hf_wrong", wrong.Message);
        Assert.Contains("a token was sent (HF_TOKEN)", wrong.Message);
    }

    [Fact]
    public async Task PrivateRepoWithoutTokenIs401RepositoryNotFoundNamingHfToken()
    {
        AddSmallModel().Private = true;
        _f.Hub.Token = "hf_x";
        var e = await Assert.ThrowsAsync<HubRepositoryNotFoundException>(() => _f.DownloadAsync(Id));
        Assert.Equal(401, e.StatusCode);
        Assert.Equal(Id, e.RepoId);
        Assert.Contains("HF_TOKEN", e.Message);
        Assert.Contains("private or gated", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_f.RepoFolder(Id), "snapshots")));
    }

    [Fact]
    public async Task GatedRepoSaysHowToAcceptItsTerms()
    {
        AddSmallModel().Gated = true;
        var e = await Assert.ThrowsAsync<HubGatedRepoException>(() => _f.DownloadAsync(Id));
        Assert.Contains($"{_f.Hub.Endpoint}/{Id}", e.Message);
        Assert.Contains("accept its terms", e.Message);
        Assert.Contains("HF_TOKEN", e.Message);
    }

    [Fact]
    public async Task NotFoundDistinguishesRepositoryRevisionAndFile()
    {
        var repo = AddSmallModel();
        var noRepo = await Assert.ThrowsAsync<HubRepositoryNotFoundException>(() => _f.DownloadAsync("someone/nothing-here"));
        Assert.Equal(404, noRepo.StatusCode);
        Assert.Contains("'someone/nothing-here' not found", noRepo.Message);

        var noRevision = await Assert.ThrowsAsync<HubRevisionNotFoundException>(() => _f.DownloadAsync(Id, "v9"));
        Assert.Equal("v9", noRevision.Revision);
        Assert.Contains("revision 'v9'", noRevision.Message);

        var noFile = await Assert.ThrowsAsync<HubEntryNotFoundException>(() => _f.DownloadAsync(Id, include: ["missing.json"]));
        Assert.Contains("missing.json", noFile.Message);

        // The file list names a file the resolve endpoint then does not have (EntryNotFound from the server).
        repo.Commits[HubFixture.Commit].Remove("tokenizer_config.json");
        repo.Commits[HubFixture.Commit]["tokenizer_config.json"] = [1];
        var sibling = HubFixture.SmallModel();
        sibling.Remove("config.json");
        _f.Hub.Add("someone/no-config", HubFixture.Commit, sibling);
        var noConfig = await Assert.ThrowsAsync<HubEntryNotFoundException>(() => _f.DownloadAsync("someone/no-config"));
        Assert.Equal("config.json", noConfig.FileName);
        Assert.Contains("model.safetensors", noConfig.Message); // lists what the repository has
    }

    [Fact]
    public async Task UnreachableHubIsANetworkErrorUnlessTheCacheHasTheModel()
    {
        AddSmallModel();
        var dead = _f.Options with { Endpoint = "http://127.0.0.1:1" };
        var e = await Assert.ThrowsAsync<HubNetworkException>(() => _f.DownloadAsync(Id, options: dead));
        Assert.Contains("cannot reach http://127.0.0.1:1", e.Message);

        var online = await _f.DownloadAsync(Id);
        var fallback = await _f.DownloadAsync(Id, options: dead);
        Assert.True(fallback.FromCacheOnly);
        Assert.Equal(online.Folder, fallback.Folder);
        Assert.Contains("could not be asked", fallback.Note);
        Assert.Contains("config.json", fallback.Files.Select(f => f.FileName));
    }

    [Fact]
    public async Task OfflineModeTouchesNoNetworkAndUsesTheCache()
    {
        AddSmallModel();
        var offline = _f.Options with { Offline = true };
        var missing = await Assert.ThrowsAsync<ModelNotFoundException>(() => _f.DownloadAsync(Id, options: offline));
        Assert.Contains("offline mode", missing.Message);
        Assert.Contains($"electra download {Id}", missing.Message);
        Assert.Empty(_f.Hub.HubRequests);

        var online = await _f.DownloadAsync(Id);
        int requests = _f.Hub.HubRequests.Count;
        var cached = await _f.DownloadAsync(Id, options: offline);
        Assert.Equal(requests, _f.Hub.HubRequests.Count);
        Assert.True(cached.FromCacheOnly);
        Assert.Equal(online.Folder, cached.Folder);
        Assert.Equal(online.Folder, ModelResolver.Resolve(Id, options: offline));
    }

    [Fact]
    public async Task SecondDownloadOnlyAsksForTheCommit()
    {
        AddSmallModel();
        await _f.DownloadAsync(Id);
        int hub = _f.Hub.HubRequests.Count, cdn = _f.Hub.CdnRequests.Count;
        var again = await _f.DownloadAsync(Id);
        Assert.Equal(hub + 1, _f.Hub.HubRequests.Count); // the api call, no HEAD or GET of files
        Assert.Equal(cdn, _f.Hub.CdnRequests.Count);
        Assert.All(again.Files, f => Assert.False(f.Downloaded));
        Assert.All(_f.Reports.TakeLast(again.Files.Length), r => Assert.Equal(HubDownloadStage.Cached, r.Stage));
    }

    [Fact]
    public async Task RevisionsTagsAndCommitsWriteRefsAsHuggingfaceHub()
    {
        var repo = AddSmallModel(Id, "main", "v1");
        repo.Commits[HubFixture.OtherCommit] = HubFixture.SmallModel();
        repo.Commits[HubFixture.OtherCommit]["config.json"] = File.ReadAllBytes(Path.Combine(Support.SharedData.Fixture("pretraining_gelu"), "config.json")).Concat(" "u8.ToArray()).ToArray();
        repo.Refs["refs/pr/1"] = HubFixture.OtherCommit;

        await _f.DownloadAsync(Id, "v1");
        var pr = await _f.DownloadAsync(Id, "refs/pr/1");
        var byCommit = await _f.DownloadAsync(Id, HubFixture.OtherCommit);
        string refs = Path.Combine(_f.RepoFolder(Id), "refs");
        Assert.Equal(HubFixture.Commit, File.ReadAllText(Path.Combine(refs, "v1")));
        Assert.Equal(HubFixture.OtherCommit, File.ReadAllText(Path.Combine(refs, "refs", "pr", "1")));
        Assert.False(File.Exists(Path.Combine(refs, HubFixture.OtherCommit))); // a commit needs no ref
        Assert.Equal(pr.Folder, byCommit.Folder);
        Assert.Contains("/revision/refs%2Fpr%2F1", _f.Hub.HubRequests.Select(r => r.Path).First(p => p.Contains("pr")));
        // The two snapshots share the unchanged blobs: the weights were fetched once.
        Assert.Single(_f.Hub.CdnRequests);
    }

    [Fact]
    public async Task RelativeRedirectOfARenamedRepositoryIsFollowedWithTheToken()
    {
        AddSmallModel("new-org/tiny-electra");
        _f.Hub.Repos["old-org/tiny-electra"] = _f.Hub.Repos["new-org/tiny-electra"]; // the api still knows the old name
        _f.Hub.Renamed["old-org/tiny-electra"] = "new-org/tiny-electra";
        var options = _f.Options with { Token = new HubToken("hf_t") };
        var snapshot = await _f.DownloadAsync("old-org/tiny-electra", options: options);
        Assert.True(File.Exists(Path.Combine(snapshot.Folder, "config.json")));
        Assert.Contains(_f.Hub.HubRequests, r => r.Path.StartsWith("/new-org/tiny-electra/resolve/") && r.Header("Authorization") == "Bearer hf_t");
    }

    [Fact]
    public async Task ConnectionDroppedMidFileIsResumedWithRange()
    {
        var files = HubFixture.SmallModel();
        AddSmallModel();
        int cut = files["model.safetensors"].Length / 3;
        _f.Hub.Fault = (_, attempt) => attempt == 0 ? new CdnFault(CutAfter: cut) : null;

        var snapshot = await _f.DownloadAsync(Id);
        var gets = _f.Hub.CdnRequests.ToList();
        Assert.Equal(2, gets.Count);
        Assert.Null(gets[0].Header("Range"));
        Assert.Equal($"bytes={cut}-", gets[1].Header("Range"));
        Assert.Equal(files["model.safetensors"], File.ReadAllBytes(Path.Combine(snapshot.Folder, "model.safetensors")));
        Assert.Contains(_f.Reports, r => r.Stage == HubDownloadStage.Resuming && r.BytesDone == cut && r.FileName == "model.safetensors");
    }

    [Fact]
    public async Task IncompleteFileOfAnEarlierRunIsResumed()
    {
        var files = HubFixture.SmallModel();
        AddSmallModel();
        var weights = files["model.safetensors"];
        string blobs = Directory.CreateDirectory(Path.Combine(_f.RepoFolder(Id), "blobs")).FullName;
        File.WriteAllBytes(Path.Combine(blobs, FakeHub.Sha256(weights) + ".incomplete"), weights[..1000]);

        var snapshot = await _f.DownloadAsync(Id);
        Assert.Equal("bytes=1000-", Assert.Single(_f.Hub.CdnRequests).Header("Range"));
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(snapshot.Folder, "model.safetensors")));
    }

    [Fact]
    public async Task ConnectionThatKeepsBreakingGivesUpAndKeepsTheIncompleteFile()
    {
        var files = HubFixture.SmallModel();
        AddSmallModel();
        _f.Hub.Fault = (_, _) => new CdnFault(CutAfter: 0); // headers, then nothing
        var e = await Assert.ThrowsAsync<HubNetworkException>(() => _f.DownloadAsync(Id));
        Assert.Contains("broke off at 0 of", e.Message);
        Assert.Equal(_f.Options.MaxResumes + 1, _f.Hub.CdnRequests.Count);
        Assert.False(Directory.Exists(Path.Combine(_f.RepoFolder(Id), "snapshots")));
        Assert.True(File.Exists(Path.Combine(_f.RepoFolder(Id), "blobs", FakeHub.Sha256(files["model.safetensors"]) + ".incomplete")));
    }

    [Fact]
    public async Task CorruptedLfsFileIsRefusedAndNothingEntersTheSnapshot()
    {
        var files = HubFixture.SmallModel();
        AddSmallModel();
        _f.Hub.Fault = (_, _) => new CdnFault(Corrupt: true);
        var e = await Assert.ThrowsAsync<HubIntegrityException>(() => _f.DownloadAsync(Id));
        string sha = FakeHub.Sha256(files["model.safetensors"]);
        Assert.Equal("model.safetensors", e.FileName);
        Assert.Contains(sha, e.Message);
        Assert.Contains("does not match its sha256", e.Message);

        string repo = _f.RepoFolder(Id);
        Assert.False(Directory.Exists(Path.Combine(repo, "snapshots")));
        Assert.False(Directory.Exists(Path.Combine(repo, "refs")));
        Assert.False(File.Exists(Path.Combine(repo, "blobs", sha)));
        Assert.False(File.Exists(Path.Combine(repo, "blobs", sha + ".incomplete")));
        Assert.Throws<ModelNotFoundException>(() => ModelLocator.Resolve(Id, null, [new HubCacheRoot(_f.CacheRoot, "test")]));

        // A good server afterwards: the next run completes.
        _f.Hub.Fault = null;
        var snapshot = await _f.DownloadAsync(Id);
        Assert.Equal(files["model.safetensors"], File.ReadAllBytes(Path.Combine(snapshot.Folder, "model.safetensors")));
    }

    [Fact]
    public async Task TwoConcurrentDownloadsOfOneModelFetchEachBlobOnce()
    {
        var files = HubFixture.SmallModel();
        AddSmallModel();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // The first GET of the weights stalls halfway until the other download is seen waiting for the blob's lock.
        _f.Hub.Fault = (_, attempt) => attempt == 0 ? new CdnFault(PauseAfter: files["model.safetensors"].Length / 2, Resume: release.Task) : null;
        var waiting = new Recorder(r =>
        {
            if (r.Stage == HubDownloadStage.WaitingForLock && r.FileName == "model.safetensors") release.TrySetResult();
        });

        var a = HubDownload.DownloadAsync(Id, null, null, _f.Options, waiting, _f.Guard);
        var b = HubDownload.DownloadAsync(Id, null, null, _f.Options, waiting, _f.Guard);
        var both = await Task.WhenAll(a, b);

        Assert.Equal(both[0].Folder, both[1].Folder);
        Assert.Single(_f.Hub.CdnRequests); // the waiting one found the blob there once it had the lock
        Assert.Single(both.SelectMany(s => s.Files), f => f.FileName == "model.safetensors" && f.Downloaded);
        Assert.Equal(files["model.safetensors"], File.ReadAllBytes(Path.Combine(both[0].Folder, "model.safetensors")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_f.RepoFolder(Id), "blobs"), "*.incomplete"));
    }

    [Fact]
    public async Task ShardedWeightsBringTheirShardsAndSentenceTransformersTheirModules()
    {
        var files = HubFixture.SmallModel();
        var weights = files["model.safetensors"];
        files.Remove("model.safetensors");
        files["model-00001-of-00002.safetensors"] = weights;
        files["model-00002-of-00002.safetensors"] = weights;
        files["model-00003-of-00009.safetensors"] = [1, 2, 3]; // listed by the repository, named by no index
        files["model.safetensors.index.json"] = Encoding.UTF8.GetBytes("""
            {"metadata": {}, "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"}}
            """);
        files["pytorch_model.bin"] = [9, 9, 9]; // safetensors wins, as in transformers
        files["modules.json"] = Encoding.UTF8.GetBytes("""
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
            """);
        files["sentence_bert_config.json"] = """{"max_seq_length": 128, "do_lower_case": false}"""u8.ToArray();
        files["config_sentence_transformers.json"] = """{"similarity_fn_name": "cosine"}"""u8.ToArray();
        files["1_Pooling/config.json"] = """{"word_embedding_dimension": 32, "pooling_mode_mean_tokens": true}"""u8.ToArray();
        files["3_Unused/config.json"] = "{}"u8.ToArray();
        _f.Hub.Add(Id, HubFixture.Commit, files);

        var snapshot = await _f.DownloadAsync(Id);
        string[] expected = ["1_Pooling/config.json", "config.json", "config_sentence_transformers.json",
            "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors", "model.safetensors.index.json",
            "modules.json", "sentence_bert_config.json", "tokenizer_config.json", "vocab.txt"];
        Assert.Equal(expected, snapshot.Files.Select(f => f.FileName).Order(StringComparer.Ordinal));
        var pooling = new FileInfo(Path.Combine(snapshot.Folder, "1_Pooling", "config.json"));
        Assert.StartsWith(Path.Combine("..", "..", "..", "blobs"), pooling.LinkTarget); // one level deeper
        Assert.Equal(files["1_Pooling/config.json"], File.ReadAllBytes(pooling.FullName));
        // Both shards have the same bytes: one blob, one CDN fetch.
        Assert.Single(_f.Hub.CdnRequests);
    }

    [Fact]
    public async Task PytorchBinIsTakenWhenThereIsNoSafetensors()
    {
        var bin = Support.SharedData.Fixture("pretraining_loss_silu_bin");
        _f.Hub.Add(Id, HubFixture.Commit, new Dictionary<string, byte[]>
        {
            ["config.json"] = File.ReadAllBytes(Path.Combine(bin, "config.json")),
            ["pytorch_model.bin"] = File.ReadAllBytes(Path.Combine(bin, "pytorch_model.bin")),
            ["tf_model.h5"] = [0],
        });
        var snapshot = await _f.DownloadAsync(Id);
        Assert.Equal(["config.json", "pytorch_model.bin"], snapshot.Files.Select(f => f.FileName));
        using var weights = CheckpointLoader.Open(snapshot.Folder);
        Assert.Equal(57, weights.Keys.Count);
    }

    [Fact]
    public async Task IncludePatternsFetchExactlyTheMatchingFiles()
    {
        AddSmallModel();
        var snapshot = await _f.DownloadAsync(Id, include: ["*.json", "onnx/"]);
        Assert.Equal(["config.json", "inputs.json", "onnx/model.onnx", "tokenizer_config.json"],
            snapshot.Files.Select(f => f.FileName).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(Path.Combine(snapshot.Folder, "onnx", "model.onnx")));
    }

    [Theory]
    [InlineData("../../../escape.json")]
    [InlineData("/etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("dir\\file")]
    public async Task HostileFileNamesInTheFileListAreRefused(string name)
    {
        var files = HubFixture.SmallModel();
        files[name] = [1];
        _f.Hub.Add(Id, HubFixture.Commit, files);
        var e = await Assert.ThrowsAsync<HubIntegrityException>(() => _f.DownloadAsync(Id));
        Assert.Contains("not a relative path inside the repository", e.Message);
        Assert.False(Directory.Exists(_f.RepoFolder(Id)));
    }

    [Fact]
    public async Task RealFixtureModelServedByTheFakeHubMatchesTransformersReference()
    {
        // Everything of the fixture, reference outputs included, so the downloaded folder validates against transformers.
        var fixture = Support.SharedData.Fixture("pretraining_gelu");
        _f.Hub.Add(Id, HubFixture.Commit, Directory.GetFiles(fixture).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes));
        var snapshot = await _f.DownloadAsync(Id, include: ["*"]);

        using var backend = new Electra.Cpu.CpuBackend();
        var model = Electra.Models.ElectraPretrained.Load(snapshot.Folder, backend);
        var report = Electra.Models.Validation.ReferenceValidator.Validate(model, Electra.Models.Validation.ReferenceCase.Load(snapshot.Folder));
        Assert.True(report.Passed, string.Join("\n", Electra.Models.Validation.ValidationReportText.Lines(report)));
    }

    private sealed class Recorder(Action<HubDownloadProgress> onReport) : IProgress<HubDownloadProgress>
    {
        public void Report(HubDownloadProgress value) => onReport(value);
    }
}
