namespace Electra.Tests.Support;

/// <summary>Locates the read-only shared data (../shared from the repository root).</summary>
public static class SharedData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Root => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
    public static string Fixtures => Path.Combine(Root, "fixtures");
    public static string Fixture(string name) => Path.Combine(Fixtures, name);
    public static string Models => Path.Combine(Root, "models");

    /// <summary>Every model case folder (those with a case.json).</summary>
    public static IEnumerable<string> CaseNames() =>
        Directory.GetDirectories(Fixtures)
            .Where(d => File.Exists(Path.Combine(d, "case.json")))
            .Select(Path.GetFileName)
            .OrderBy(n => n, StringComparer.Ordinal)!;

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Electra.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Electra.sln) above " + AppContext.BaseDirectory);
    }
}
