using System.Text;

namespace Electra.Fuzz;

/// <summary>
/// Seeded random mutations of a byte input: bit flips, interesting bytes and integers, truncation, deletion,
/// duplication, splicing with another corpus entry, and JSON-aware edits (numbers replaced by boundary values,
/// values replaced by values of another type, key/value pairs duplicated) so that parsers get past their syntax check.
/// </summary>
public sealed class Mutator(Random rng)
{
    private static readonly byte[] InterestingBytes = [0, 1, 0x7f, 0x80, 0xff, (byte)'"', (byte)'{', (byte)'}', (byte)'[',
        (byte)']', (byte)',', (byte)':', (byte)'-', (byte)'9', (byte)'\\', 0xc3, 0xe2, 0xf0, (byte)'\n', (byte)' '];

    private static readonly long[] InterestingIntegers = [0, 1, -1, 2, 8, 127, 128, 255, 256, 32767, 65535, int.MaxValue,
        int.MinValue, uint.MaxValue, 1L << 32, 1_000_000_000, 100_000_001, long.MaxValue, long.MinValue, 1L << 62];

    private static readonly string[] InterestingNumbers = ["-1", "0", "1", "2", "-0", "1e309", "1.5", "NaN",
        "9223372036854775807", "9223372036854775808", "4294967296", "2147483647", "2147483648", "1000000000",
        "100000001", "-9223372036854775808", "65536", "3", "31", "33", "512", "513"];

    private static readonly string[] ReplacementValues = ["null", "[]", "{}", "\"\"", "\"x\"", "true", "false", "[[[[[]]]]]",
        "{\"a\":{}}", "\"\\ud800\"", "\"\\u0000\"", "[0,0]", "[-1]", "[1,2,3]", "\"F32\"", "\"I64\"", "\"BF16\"", "\"WordPiece\""];

    public byte[] Mutate(byte[] input, IReadOnlyList<byte[]> corpus, Func<byte[], byte[]>? structured = null)
    {
        var data = input;
        int rounds = 1 + rng.Next(4);
        for (int r = 0; r < rounds; r++)
            data = structured is not null && rng.Next(3) == 0 ? structured(data) : MutateOnce(data, corpus);
        return data;
    }

    public byte[] MutateOnce(byte[] data, IReadOnlyList<byte[]> corpus)
    {
        var list = new List<byte>(data);
        switch (rng.Next(data.Length == 0 ? 1 : 12))
        {
            case 0:
                list.InsertRange(rng.Next(list.Count + 1), RandomBytes(1 + rng.Next(8)));
                break;
            case 1:
                { int i = rng.Next(list.Count); list[i] ^= (byte)(1 << rng.Next(8)); }
                break;
            case 2:
                list[rng.Next(list.Count)] = InterestingBytes[rng.Next(InterestingBytes.Length)];
                break;
            case 3:
                {
                    int width = new[] { 1, 2, 4, 8 }[rng.Next(4)];
                    var bytes = BitConverter.GetBytes(InterestingIntegers[rng.Next(InterestingIntegers.Length)]);
                    int at = rng.Next(list.Count);
                    for (int k = 0; k < width && at + k < list.Count; k++) list[at + k] = bytes[k];
                }
                break;
            case 4:
                return Truncate(data);
            case 5:
                {
                    int at = rng.Next(list.Count), len = Math.Min(1 + rng.Next(64), list.Count - at);
                    list.RemoveRange(at, len);
                }
                break;
            case 6:
                {
                    int at = rng.Next(list.Count), len = Math.Min(1 + rng.Next(64), list.Count - at);
                    list.InsertRange(rng.Next(list.Count + 1), list.GetRange(at, len));
                }
                break;
            case 7:
                {
                    var other = corpus[rng.Next(corpus.Count)];
                    if (other.Length == 0) break;
                    int cut = rng.Next(list.Count + 1), from = rng.Next(other.Length);
                    list.RemoveRange(cut, list.Count - cut);
                    list.AddRange(other.AsSpan(from).ToArray());
                }
                break;
            default:
                return Json(data);
        }
        return list.ToArray();
    }

    private byte[] Truncate(byte[] data) => data[..rng.Next(data.Length)];

    private byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    /// <summary>JSON-aware edit on the text (bytes that are not UTF-8 are kept through Latin-1 so nothing is lost).</summary>
    public byte[] Json(byte[] data)
    {
        var text = Encoding.Latin1.GetString(data);
        if (text.Length == 0) return Encoding.Latin1.GetBytes(ReplacementValues[rng.Next(ReplacementValues.Length)]);
        int start = rng.Next(text.Length);
        switch (rng.Next(4))
        {
            case 0:
                {
                    var (s, e) = FindToken(text, start, c => c is (>= '0' and <= '9') or '-' or '.' or 'e' or 'E' or '+');
                    if (s < 0) goto case 1;
                    text = text[..s] + InterestingNumbers[rng.Next(InterestingNumbers.Length)] + text[e..];
                }
                break;
            case 1:
                {
                    int q = text.IndexOf('"', start);
                    if (q < 0) break;
                    int close = text.IndexOf('"', q + 1);
                    if (close < 0) break;
                    // A string followed by ':' is a key: keep it and replace its value instead.
                    if (close + 1 < text.Length && text[close + 1] == ':')
                    {
                        int vEnd = ValueEnd(text, close + 2);
                        text = text[..(close + 2)] + ReplacementValues[rng.Next(ReplacementValues.Length)] + text[vEnd..];
                    }
                    else text = text[..q] + ReplacementValues[rng.Next(ReplacementValues.Length)] + text[(close + 1)..];
                }
                break;
            case 2:
                {
                    // Duplicate a "key": value pair next to itself.
                    int q = text.IndexOf('"', start);
                    if (q < 0) break;
                    int close = text.IndexOf('"', q + 1);
                    if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':') break;
                    int vEnd = ValueEnd(text, close + 2);
                    var pair = text[q..vEnd];
                    text = text[..q] + pair + "," + text[q..];
                }
                break;
            default:
                {
                    // Deep nesting or a long run of one character.
                    var run = rng.Next(2) == 0 ? new string('[', 1 + rng.Next(5000)) : new string((char)InterestingBytes[rng.Next(InterestingBytes.Length)], 1 + rng.Next(300));
                    text = text[..start] + run + text[start..];
                }
                break;
        }
        return Encoding.Latin1.GetBytes(text);
    }

    private static (int Start, int End) FindToken(string text, int from, Func<char, bool> member)
    {
        for (int i = from; i < text.Length; i++)
        {
            if (!member(text[i]) || (i > 0 && member(text[i - 1]))) continue;
            int e = i;
            while (e < text.Length && member(text[e])) e++;
            return (i, e);
        }
        return (-1, -1);
    }

    // End of the JSON value starting at i (approximate: balanced brackets, strings skipped).
    private static int ValueEnd(string text, int i)
    {
        int depth = 0;
        bool inString = false;
        for (int k = i; k < text.Length; k++)
        {
            char c = text[k];
            if (inString)
            {
                if (c == '\\') k++;
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') inString = true;
            else if (c is '[' or '{') depth++;
            else if (c is ']' or '}')
            {
                if (depth == 0) return k;
                depth--;
                if (depth == 0) return k + 1;
            }
            else if (c == ',' && depth == 0) return k;
        }
        return text.Length;
    }
}
