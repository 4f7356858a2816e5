using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Electra.Core.Errors;
using Electra.Fuzz;

// Usage: Electra.Fuzz <target> [--seconds N] [--execs N] [--seed N] [--out DIR]
// Runs seeded random mutations of the target's seed corpus until the time or execution budget is spent. Any
// exception other than ElectraException is a crash: its input is written to DIR/crashes/<target>/ and the run ends
// with exit code 1. An input running longer than 10 s is a hang (exit 2). An input whose CPU time per byte is far
// above the seeds' (SlowdownDetector: 10 times, confirmed by the least of 5 reruns) is a slowdown: written there as
// slow-<hash>, exit code 3 when nothing worse was found. Inputs whose outcome (accepted, or the error message with its
// numbers blanked) was not seen before join the corpus, a coverage-free stand-in for feedback.
var target = FuzzTarget.Create(args.Length > 0 ? args[0] : throw new ArgumentException("usage: Electra.Fuzz <target> [--seconds N] [--execs N] [--seed N] [--out DIR]"));
double seconds = double.MaxValue;
long maxExecs = long.MaxValue;
int seed = Environment.TickCount;
string outDir = "fuzz/out";
for (int i = 1; i < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--seconds": seconds = double.Parse(args[i + 1]); break;
        case "--execs": maxExecs = long.Parse(args[i + 1]); break;
        case "--seed": seed = int.Parse(args[i + 1]); break;
        case "--out": outDir = args[i + 1]; break;
        default: throw new ArgumentException($"unknown option {args[i]}");
    }
}
if (seconds == double.MaxValue && maxExecs == long.MaxValue) seconds = 60;

var repoRoot = FindRepoRoot();
var rng = new Random(seed);
var mutator = new Mutator(rng);
var corpus = target.Seeds(repoRoot).ToList();
if (corpus.Count == 0) throw new InvalidOperationException($"no seeds for {target.Name}");
var structured = target.Structured(mutator, rng);
var crashDir = Path.Combine(outDir, "crashes", target.Name);
var outcomes = new Dictionary<string, long>();
var digits = new Regex(@"\d+|'[^']*'|\""[^\""]*\""", RegexOptions.Compiled);
long execs = 0, accepted = 0, rejected = 0, crashes = 0, slowdowns = 0;
var slow = new SlowdownDetector();
double slowest = 0;
var clock = Stopwatch.StartNew();

// The watchdog owns hang detection: the loop publishes when the current input started.
long currentStart = 0;
long cpuAtStart = 0;
byte[] current = [];
var watchdog = new Thread(() =>
{
    while (true)
    {
        Thread.Sleep(500);
        long started = Interlocked.Read(ref currentStart);
        // Wall time alone misreads a starved process (nice 19 on a loaded machine) as hung; a parser loop burns CPU.
        if (started != 0 && clock.Elapsed.TotalMilliseconds - started / 1000.0 > 10_000
            && (Environment.CpuUsage.TotalTime.Ticks - Interlocked.Read(ref cpuAtStart)) > 5 * TimeSpan.TicksPerSecond)
        {
            Directory.CreateDirectory(crashDir);
            var file = Path.Combine(crashDir, "hang-" + Hash(current));
            File.WriteAllBytes(file, current);
            Console.WriteLine($"HANG: an input ran over 10 s; written to {file}");
            Environment.Exit(2);
        }
    }
}) { IsBackground = true };
watchdog.Start();

// A run stopped by SIGTERM (timeout, kill) still reports what it did.
bool finished = false;
AppDomain.CurrentDomain.ProcessExit += (_, _) =>
{
    FuzzTarget.DeleteScratchFiles();
    if (!finished)
        Console.WriteLine($"{target.Name}: stopped after {execs} executions in {clock.Elapsed.TotalSeconds:F1} s, {crashes} crashes, " +
                          $"0 hangs, {slowdowns} slowdowns, slowest input {slowest:F1} ms, {outcomes.Count} distinct outcomes, seed {seed}");
};

// The seeds' cost: one warm-up run each (the JIT), then the least CPU time of three.
foreach (var seedInput in corpus)
{
    double Once()
    {
        double start = ThreadCpuClock.NowMs();
        try { target.Execute(seedInput); }
        catch (Exception) { }   // judged in the loop below, where the seeds run first
        return ThreadCpuClock.NowMs() - start;
    }
    Once();
    slow.AddSeed(seedInput.Length, Math.Min(Once(), Math.Min(Once(), Once())));
}

// Seeds run first, unmutated.
int seedIndex = 0;
while (execs < maxExecs && clock.Elapsed.TotalSeconds < seconds)
{
    byte[] input = seedIndex < corpus.Count ? corpus[seedIndex++] : mutator.Mutate(corpus[rng.Next(corpus.Count)], corpus, structured);
    current = input;
    double begin = clock.Elapsed.TotalMilliseconds;
    Interlocked.Exchange(ref cpuAtStart, Environment.CpuUsage.TotalTime.Ticks);
    Interlocked.Exchange(ref currentStart, (long)(begin * 1000) | 1);
    double cpuBegin = ThreadCpuClock.NowMs();
    string outcome;
    try
    {
        target.Execute(input);
        accepted++;
        outcome = "ok";
    }
    catch (ElectraException ex)
    {
        rejected++;
        outcome = ex.GetType().Name + ":" + digits.Replace(ex.Message.Length > 200 ? ex.Message[..200] : ex.Message, "#");
    }
    catch (Exception ex)
    {
        // Reporting (stack-trace symbolication on first use) is not the parser's time.
        Interlocked.Exchange(ref currentStart, 0);
        crashes++;
        Directory.CreateDirectory(crashDir);
        var file = Path.Combine(crashDir, "crash-" + Hash(input));
        File.WriteAllBytes(file, input);
        File.WriteAllText(file + ".txt", ex.ToString());
        Console.WriteLine($"CRASH {ex.GetType().Name}: {ex.Message} (input written to {file})");
        outcome = "crash:" + ex.GetType().Name;
    }
    double cpuMs = ThreadCpuClock.NowMs() - cpuBegin;
    Interlocked.Exchange(ref currentStart, 0);
    slowest = Math.Max(slowest, clock.Elapsed.TotalMilliseconds - begin);
    if (!outcome.StartsWith("crash:", StringComparison.Ordinal) && slow.IsCandidate(input.Length, cpuMs))
    {
        var verdict = slow.Confirm(input.Length, () =>
        {
            // Each rerun is its own input for the watchdog (five reruns of a 3 s input are not a hang).
            Interlocked.Exchange(ref cpuAtStart, Environment.CpuUsage.TotalTime.Ticks);
            Interlocked.Exchange(ref currentStart, (long)(clock.Elapsed.TotalMilliseconds * 1000) | 1);
            double start = ThreadCpuClock.NowMs();
            try { target.Execute(input); }
            catch (Exception) { }
            double ms = ThreadCpuClock.NowMs() - start;
            Interlocked.Exchange(ref currentStart, 0);
            return ms;
        });
        if (verdict is not null)
        {
            slowdowns++;
            Directory.CreateDirectory(crashDir);
            var file = Path.Combine(crashDir, "slow-" + Hash(input));
            File.WriteAllBytes(file, input);
            File.WriteAllText(file + ".txt", verdict + Environment.NewLine);
            Console.WriteLine($"SLOW: {verdict} (input written to {file})");
        }
    }
    execs++;
    if (outcomes.TryGetValue(outcome, out var seen)) outcomes[outcome] = seen + 1;
    else
    {
        outcomes[outcome] = 1;
        if (corpus.Count < 4096 && input.Length < 4_000_000) corpus.Add(input);
    }
    if (execs % 100_000 == 0)
        Console.WriteLine($"{target.Name}: {execs} execs, {execs / clock.Elapsed.TotalSeconds:F0}/s, {outcomes.Count} outcomes, {crashes} crashes");
}

finished = true;
Console.WriteLine($"{target.Name}: {execs} executions in {clock.Elapsed.TotalSeconds:F1} s ({execs / clock.Elapsed.TotalSeconds:F0}/s), " +
                  $"{accepted} accepted, {rejected} typed errors, {crashes} crashes, 0 hangs, {slowdowns} slowdowns, slowest input {slowest:F1} ms, " +
                  $"{outcomes.Count} distinct outcomes, corpus {corpus.Count}, seed {seed}");
return crashes > 0 ? 1 : slowdowns > 0 ? 3 : 0;

static string Hash(byte[] data) => Convert.ToHexString(SHA256.HashData(data))[..16].ToLowerInvariant();

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(Directory.GetCurrentDirectory());
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Electra.sln"))) dir = dir.Parent;
    return dir?.FullName ?? throw new InvalidOperationException("run from inside the repository (Electra.sln not found)");
}
