using System.Text;
using System.Text.RegularExpressions;

namespace Electra.Hub;

/// <summary>
/// A file pattern as huggingface_hub's <c>allow_patterns</c> reads it (Python's <c>fnmatch</c>, case-sensitive): <c>*</c>
/// matches any run of characters, slashes included; <c>?</c> one character; <c>[abc]</c>, <c>[a-z]</c>, <c>[!abc]</c> a
/// set; a pattern ending in <c>/</c> means everything under that folder.
/// </summary>
/// <example><code>RepoFilePattern.Parse("*.json").IsMatch("1_Pooling/config.json") // true</code></example>
public sealed class RepoFilePattern
{
    private readonly Regex _regex;

    private RepoFilePattern(string pattern, Regex regex) => (Pattern, _regex) = (pattern, regex);

    /// <summary>The pattern as given.</summary>
    public string Pattern { get; }

    /// <summary>True when <paramref name="fileName"/> (a repository path) matches the whole pattern.</summary>
    public bool IsMatch(string fileName) => _regex.IsMatch(fileName);

    public static RepoFilePattern Parse(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        string full = pattern.EndsWith('/') ? pattern + "*" : pattern;
        // Built without backtracking-prone constructs beyond ".*"; NonBacktracking keeps matching linear in the name.
        return new RepoFilePattern(pattern, new Regex(Translate(full), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking));
    }

    // fnmatch.translate: '*' → '.*', '?' → '.', '[...]' → a class ('!' negates), an unclosed '[' is literal.
    private static string Translate(string pattern)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '*') { sb.Append("(?s:.*)"); continue; }
            if (c == '?') { sb.Append("(?s:.)"); continue; }
            if (c == '[')
            {
                int j = i + 1;
                if (j < pattern.Length && pattern[j] == '!') j++;
                if (j < pattern.Length && pattern[j] == ']') j++;
                while (j < pattern.Length && pattern[j] != ']') j++;
                if (j >= pattern.Length) { sb.Append(@"\["); continue; }
                string body = pattern[(i + 1)..j];
                i = j;
                bool negate = body.StartsWith('!');
                if (negate) body = body[1..];
                var set = new StringBuilder();
                foreach (char b in body)
                    set.Append(b is '\\' or '^' or '[' or ']' ? "\\" + b : b.ToString());
                sb.Append('[').Append(negate ? "^" : "").Append(set).Append(']');
                continue;
            }
            sb.Append(Regex.Escape(c.ToString()));
        }
        return sb.Append('$').ToString();
    }
}
