using Electra.Core.Errors;
using Electra.Fuzz;
using SharpFuzz;

// Usage: Electra.Fuzz.Afl <target>               runs under afl-fuzz: SharpFuzz hands over one input per execution
//        Electra.Fuzz.Afl <target> --seeds DIR   writes the target's seed inputs into DIR (afl-fuzz's -i)
//        Electra.Fuzz.Afl <target> --run FILE... runs inputs once each and prints the outcome (replaying findings)
// As in the managed fuzzer, only an ElectraException is an expected outcome; any other exception escapes to SharpFuzz,
// which reports it to afl-fuzz as a crash. Timeouts (afl-fuzz -t) are hangs.
if (args.Length == 0) throw new ArgumentException("usage: Electra.Fuzz.Afl <target> [--seeds DIR | --run FILE...]");
// Instrumented code writes every branch into SharpFuzz's trace map, which is null until Fuzzer.Run attaches afl-fuzz's
// shared memory: preparing seeds, replaying inputs and the set-up before Run need a scratch map of the same size.
unsafe { SharpFuzz.Common.Trace.SharedMem = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(1 << 16); }
var target = FuzzTarget.Create(args[0]);
var repoRoot = FindRepoRoot();
// Seeds() also prepares what a target needs (the tokenizer of the tokenizer target, a vocab beside the settings file).
var seeds = target.Seeds(repoRoot).ToList();

if (args is [_, "--seeds", var dir])
{
    Directory.CreateDirectory(dir);
    for (int i = 0; i < seeds.Count; i++) File.WriteAllBytes(Path.Combine(dir, $"seed-{i:D3}"), seeds[i]);
    Console.WriteLine($"{target.Name}: {seeds.Count} seeds written to {dir}");
    return 0;
}

if (args.Length > 2 && args[1] == "--run")
{
    int crashes = 0;
    foreach (var file in args[2..])
    {
        try
        {
            target.Execute(File.ReadAllBytes(file));
            Console.WriteLine($"{file}: accepted");
        }
        catch (ElectraException e)
        {
            Console.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
        }
        catch (Exception e)
        {
            crashes++;
            Console.WriteLine($"{file}: CRASH {e}");
        }
    }
    return crashes == 0 ? 0 : 1;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var memory = new MemoryStream();
    stream.CopyTo(memory);
    try
    {
        target.Execute(memory.ToArray());
    }
    catch (ElectraException)
    {
        // A refused input: the promised outcome.
    }
});
return 0;

static string FindRepoRoot()
{
    var dir = new DirectoryInfo(Environment.GetEnvironmentVariable("ELECTRA_REPO") ?? Directory.GetCurrentDirectory());
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Electra.sln"))) dir = dir.Parent;
    return dir?.FullName ?? throw new InvalidOperationException("run from inside the repository, or set ELECTRA_REPO (Electra.sln not found)");
}
