using System.Text.Json;
using Electra.Models.Pipelines;
using Electra.Tests.Support;

namespace Electra.Tests.Pipelines.Embeddings;

/// <summary>A fixture's input rows and reference outputs, read independently of the code under test.</summary>
internal sealed record FixtureRows(int[][] Ids, int[][] Types, int[][] Mask, Dictionary<string, Electra.Core.Tensors.HostTensor> Reference)
{
    public static FixtureRows Load(string fixture)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(SharedData.Fixture(fixture), "inputs.json")));
        int[][] Read(string key) => doc.RootElement.GetProperty(key).EnumerateArray()
            .Select(r => r.EnumerateArray().Select(v => v.GetInt32()).ToArray()).ToArray();
        return new FixtureRows(Read("input_ids"), Read("token_type_ids"), Read("attention_mask"), FixtureCase.Load(fixture).Reference());
    }

    /// <summary>Each row's real tokens (padding is always at the end in the fixtures).</summary>
    public List<TokenRow> RealRows() => Ids.Select((ids, r) =>
    {
        int length = Mask[r].Sum();
        return new TokenRow(ids[..length], Types[r][..length]);
    }).ToList();
}
