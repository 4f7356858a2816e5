using System.Text.Json;
using Electra.Cli.Benchmarking;
using Electra.Cli.Commands;
using FsCheck.Xunit;
using Electra.Tests.Cpu;

namespace Electra.Tests.Cli;

public class BenchCommandTests
{
    [Property(MaxTest = 50)]
    public bool InputsFollowTheContract(byte batchSel, byte seqSel, byte padSel, int seed)
    {
        int batch = 1 + batchSel % 8, seq = 2 + seqSel % 200;
        double pad = padSel % 3 * 0.25; // 0, 0.25, 0.5
        var inputs = BenchInputs.Create(batch, seq, pad, vocabSize: 30522, seed);
        for (int b = 0; b < batch; b++)
        {
            if (inputs.Ids[b * seq] != BenchInputs.ClsId || inputs.Mask[b * seq] != 1) return false;
            bool seenPad = false;
            for (int s = 1; s < seq; s++)
            {
                int id = inputs.Ids[b * seq + s], m = inputs.Mask[b * seq + s];
                if (m == 0) { seenPad = true; if (id != 0) return false; }
                else if (seenPad || id < 1000 || id >= 30000) return false; // right padding only, ids in range
            }
            if (pad == 0 && seenPad) return false;
        }
        return true;
    }

    [Fact]
    public void PadRatioIsTheAverageFractionOfPadding()
    {
        var inputs = BenchInputs.Create(2000, 128, 0.5, 30522);
        double padded = 1 - inputs.RealTokens / (2000.0 * 128);
        Assert.InRange(padded, 0.46, 0.54);
    }

    [Fact]
    public void SameSeedSameInputs()
    {
        var a = BenchInputs.Create(4, 64, 0.5, 30522);
        var b = BenchInputs.Create(4, 64, 0.5, 30522);
        Assert.Equal(a.Ids, b.Ids);
        Assert.Equal(a.Mask, b.Mask);
    }

    [Theory]
    [InlineData("--model", "x", "--seq", "8")]
    [InlineData("--model", "x", "--batch", "0", "--seq", "8")]
    [InlineData("--model", "x", "--batch", "1", "--seq", "8", "--pad-ratio", "0.9")]
    [InlineData("--model", "x", "--batch", "1", "--seq", "8", "--bogus", "1")]
    public void BadArgumentsAreUsageErrors(params string[] args)
    {
        Assert.Equal(Electra.Cli.ExitCodes.Usage, Electra.Cli.CommandLine.Run(["bench", .. args], TextWriter.Null, TextWriter.Null));
    }

    [Fact]
    public void JsonLineHasTheContractFields()
    {
        var line = BenchCommand.ToJson(new BenchCommand.Result("cpu", 2, 1, 128, 20.5, 19.9, 48.8, 40, 90, 0, 128, 0));
        using var doc = JsonDocument.Parse(line);
        foreach (var field in new[] { "backend", "threads", "batch", "seq", "ms_median", "ms_min", "sequences_per_second", "load_ms", "peak_rss_mb" })
            Assert.True(doc.RootElement.TryGetProperty(field, out _), $"missing {field} in {line}");
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void RunsOnTheTinyModelAndPrintsOneJsonLine()
    {
        var model = Path.Combine(Electra.Tests.Support.SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator");
        var stdout = new StringWriter();
        int code = Electra.Cli.CommandLine.Run(["bench", "--model", model, "--threads", "2", "--batch", "2", "--seq", "16", "--warmup", "1", "--iterations", "2", "--pad-ratio", "0.25", "--json"], stdout, TextWriter.Null);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout.ToString().Trim());
        Assert.Equal(2, doc.RootElement.GetProperty("batch").GetInt32());
        Assert.True(doc.RootElement.GetProperty("ms_median").GetDouble() > 0);
        // The memory breakdown: the word embeddings alone, as config.json sizes them, are part of the weights.
        var config = Electra.Core.Configuration.ElectraConfigJson.Load(model);
        Assert.True(doc.RootElement.GetProperty("weights_mb").GetDouble() * 1024 * 1024 >= 0.99 * 4.0 * config.VocabSize * config.EmbeddingSize);
        Assert.True(doc.RootElement.TryGetProperty("activations_mb", out _));
        Assert.True(doc.RootElement.GetProperty("rss_before_load_mb").GetDouble() > 0);
    }

    [Fact]
    public void TheCpuBackendCountsTheActivationBuffersItHolds()
    {
        var model = Path.Combine(Electra.Tests.Support.SharedData.RepoRoot, "models", "electra-tiny-rtd", "discriminator");
        using var backend = new Electra.Cpu.CpuBackend(new Electra.Cpu.CpuBackendOptions(Threads: 2));
        var electra = Electra.Models.ElectraPretrained.Load(model, backend);
        Assert.Equal(0, backend.ActivationBytes);
        var inputs = Electra.Cli.Benchmarking.BenchInputs.Create(2, 16, 0, electra.Config.VocabSize).ToModelInputs();
        electra.Forward(inputs);
        long afterOne = backend.ActivationBytes;
        // At least the intermediate activation of the feed-forward block and the hidden state it came from.
        Assert.True(afterOne >= 4L * 2 * 16 * (electra.Config.IntermediateSize + electra.Config.HiddenSize), $"{afterOne} bytes");
        electra.Forward(inputs);
        Assert.Equal(afterOne, backend.ActivationBytes);
    }
}
