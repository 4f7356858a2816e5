using System.CommandLine;
using Electra.Cli.Options;
using Electra.Hub;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra download REPO_ID [--revision REV] [--include GLOB ...]</c>: fetches a model's files from the Hugging Face
/// Hub into the cache huggingface_hub and transformers share (HF_HUB_CACHE, else HF_HOME/hub, else
/// ~/.cache/huggingface/hub), as <c>huggingface-cli download</c> does, and prints the snapshot folder. Only the files a
/// model needs unless --include names others. HF_ENDPOINT, HF_TOKEN (or the token file of huggingface-cli login) apply.
/// </summary>
public static class DownloadCommand
{
    public static Command Create(CliIO io)
    {
        var command = new Command("download",
            "download a model from the Hugging Face Hub into the Hugging Face cache (only the files a model needs: config, weights, tokenizer, " +
            "sentence-transformers modules) and print its snapshot folder; a progress bar per file on a terminal");
        var repo = new Argument<string>("REPO_ID") { Description = "the model's hub id, e.g. google/electra-small-discriminator" };
        command.Arguments.Add(repo);
        var revision = command.Define(SharedOptions.Revision());
        var include = command.Define(new Option<string[]>("--include")
        {
            Description = "download exactly the files matching these glob patterns (fnmatch: * also crosses '/'; a pattern ending in '/' takes a folder) instead of the model's files",
            HelpName = "GLOB",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
        });
        var offline = command.Define(SharedOptions.Offline());
        command.SetAction(r => Run(r.GetValue(repo)!, r.GetValue(revision), r.GetValue(include), r.GetValue(offline), io));
        return command;
    }

    private static int Run(string repoId, string? revision, string[]? include, bool offline, CliIO io)
    {
        if (!ModelLocator.IsHubId(repoId))
            throw new UsageException($"'{repoId}' is not a hub id: expected namespace/name, e.g. google/electra-small-discriminator");
        var options = HubOptions.FromEnvironment();
        if (offline) options = options with { Offline = true };
        var snapshot = ModelDirectory.Download(repoId, revision, include is { Length: > 0 } ? include : null, options, io.Err);
        int fetched = snapshot.Files.Count(f => f.Downloaded);
        io.Err.WriteLine($"{repoId}@{snapshot.Commit}: {snapshot.Files.Length} files, {fetched} downloaded, "
            + $"{snapshot.Files.Length - fetched} already in the cache ({options.Cache.Path}, from {options.Cache.Source})");
        io.Out.WriteLine(snapshot.Folder);
        return ExitCodes.Success;
    }
}
