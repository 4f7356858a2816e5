namespace Electra.Cli;

/// <summary>A command-line mistake: printed with the command's usage, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Parsed <c>--name value</c> options, <c>--flag</c> switches and positional words. Every option must be consumed by
/// the command, so a misspelt option is reported instead of silently ignored.
/// </summary>
public sealed class Arguments
{
    private readonly Dictionary<string, string?> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);

    public Arguments(IEnumerable<string> args, IReadOnlySet<string> flags)
    {
        var positional = new List<string>();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var a = e.Current;
            if (a == "--")
            {
                while (e.MoveNext()) positional.Add(e.Current);
                break;
            }
            if (a.StartsWith("--", StringComparison.Ordinal) && a.Length > 2)
            {
                var name = a[2..];
                string? value = null;
                int eq = name.IndexOf('=');
                if (eq >= 0)
                {
                    value = name[(eq + 1)..];
                    name = name[..eq];
                }
                else if (!flags.Contains(name))
                {
                    if (!e.MoveNext()) throw new UsageException($"option --{name} needs a value");
                    value = e.Current;
                }
                if (_options.ContainsKey(name)) throw new UsageException($"option --{name} given twice");
                _options[name] = value ?? "true";
            }
            else positional.Add(a);
        }
        Positional = positional;
    }

    public IReadOnlyList<string> Positional { get; }

    public string? Get(string name)
    {
        _consumed.Add(name);
        return _options.GetValueOrDefault(name);
    }

    public string Required(string name) => Get(name) ?? throw new UsageException($"missing --{name}");

    public bool Flag(string name) => Get(name) is "true";

    public int? Int(string name)
    {
        var v = Get(name);
        if (v is null) return null;
        return int.TryParse(v, out var i) ? i : throw new UsageException($"--{name} expects an integer, got '{v}'");
    }

    /// <summary>Throws for any option the command did not read.</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_consumed.Contains(k)).ToList();
        if (unknown.Count > 0) throw new UsageException($"unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}");
    }
}
