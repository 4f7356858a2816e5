namespace Electra.Tests.Support;

/// <summary>Locates the read-only shared data (../shared from the repository root).</summary>
public static class SharedData
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string Root => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));
    public static string Fixtures => Path.Combine(Root, "fixtures");
    public static string Fixture(string name) => Path.Combine(Fixtures, name);
    public static string Models => Path.Combine(Root, "models");

    /// <summary>
    /// Every model case: the folders of fixtures/ with a case.json, and the shipped models that carry reference
    /// outputs in the same format (named models/...).
    /// </summary>
    public static IEnumerable<string> CaseNames() =>
        Directory.GetDirectories(Fixtures)
            .Where(d => File.Exists(Path.Combine(d, "case.json")))
            .Select(d => Path.GetFileName(d)!)
            .Concat(Directory.EnumerateFiles(Models, "case.json", SearchOption.AllDirectories)
                .Select(f => "models/" + Path.GetRelativePath(Models, Path.GetDirectoryName(f)!).Replace('\\', '/')))
            .OrderBy(n => n, StringComparer.Ordinal);

    /// <summary>The folder of a case returned by <see cref="CaseNames"/>.</summary>
    public static string CaseFolder(string name) =>
        name.StartsWith("models/", StringComparison.Ordinal)
            ? Path.Combine(Models, name["models/".Length..])
            : Fixture(name);

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Electra.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("cannot find the repository root (Electra.sln) above " + AppContext.BaseDirectory);
    }
}
