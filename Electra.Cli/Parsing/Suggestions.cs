namespace Electra.Cli.Parsing;

/// <summary>"Did you mean" candidates for a misspelt command or option: the known names within a small edit distance, or that it begins.</summary>
public static class Suggestions
{
    /// <summary>Up to three names closest to <paramref name="typed"/>, best first; empty when none is close.</summary>
    public static IReadOnlyList<string> For(string typed, IEnumerable<string> known)
    {
        string bare = typed.TrimStart('-');
        return known
            .Select(k => (Name: k, Distance: Distance(bare, k.TrimStart('-'))))
            .Where(k => k.Distance <= Math.Max(1, bare.Length / 3) || (bare.Length >= 3 && k.Name.TrimStart('-').StartsWith(bare, StringComparison.Ordinal)))
            .OrderBy(k => k.Distance).ThenBy(k => k.Name, StringComparer.Ordinal)
            .Select(k => k.Name).Distinct().Take(3).ToList();
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions cost 1.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        for (int j = 1; j <= b.Length; j++)
        {
            int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
        }
        return d[a.Length, b.Length];
    }
}
