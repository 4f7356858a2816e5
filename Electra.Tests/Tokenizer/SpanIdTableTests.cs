using Electra.Tokenizer;
using FsCheck.Xunit;

namespace Electra.Tests.Tokenizer;

/// <summary>
/// <see cref="SpanIdTable"/> answers as a dictionary of the same keys does, for keys and misses of every length
/// (the length filter covers 2 to 64 chars with two leading ASCII chars; longer, shorter and non-ASCII keys bypass it).
/// </summary>
public class SpanIdTableTests
{
    private static readonly string[] Pieces = { "a", "b", "z", "#", "0", ".", "é", "中", "\uD83D\uDE00", "\u0000", "\u007F" };

    private static string Key(Random random)
    {
        int length = random.Next(4) switch { 0 => random.Next(1, 4), 1 => random.Next(60, 70), _ => random.Next(1, 20) };
        var chars = new char[length];
        for (int i = 0; i < length; i++) chars[i] = Pieces[random.Next(Pieces.Length)][0];
        return new string(chars);
    }

    [Property(MaxTest = 200)]
    public void Lookups_equal_a_dictionarys(int seed)
    {
        var random = new Random(seed);
        var items = Enumerable.Range(0, random.Next(1, 300)).Select(i => (Key(random), i)).ToList();
        var expected = new Dictionary<string, int>();
        foreach (var (key, id) in items) expected[key] = id;
        var table = new SpanIdTable(items);
        foreach (var (key, id) in expected)
        {
            Assert.True(table.TryGetValue(key, out int found), $"key of length {key.Length} not found");
            Assert.Equal(id, found);
            // Every prefix, as WordPiece probes them: present ones found, absent ones missed.
            for (int n = 1; n < key.Length; n++)
            {
                var prefix = key[..n];
                Assert.Equal(expected.ContainsKey(prefix), table.TryGetValue(prefix, out int got));
                if (expected.TryGetValue(prefix, out int want)) Assert.Equal(want, got);
            }
        }
        for (int k = 0; k < 200; k++)
        {
            var probe = Key(random);
            Assert.Equal(expected.ContainsKey(probe), table.TryGetValue(probe, out _));
        }
    }
}
