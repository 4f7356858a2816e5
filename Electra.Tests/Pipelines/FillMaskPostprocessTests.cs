using Electra.Core.Errors;
using Electra.Models.Pipelines;

namespace Electra.Tests.Pipelines;

/// <summary>transformers' fill-mask post-processing on a nine-token vocabulary and hand-made logits.</summary>
public sealed class FillMaskPostprocessTests
{
    private static readonly Electra.Tokenizer.BertTokenizer Tok = TinyVocab.Of("the", "cat", "dog", "sat");
    private const int V = 9;   // [PAD] [UNK] [CLS] [SEP] [MASK] the cat dog sat

    private static float[] Logits(int[] ids, params (int Position, float[] Row)[] rows)
    {
        var logits = new float[ids.Length * V];
        foreach (var (position, row) in rows) row.CopyTo(logits, position * V);
        return logits;
    }

    private static readonly float[] MaskRow = [0, 0, 0, 0, 0, 1, 3, 2, 0];
    private static double Z => 5 + Math.E + Math.Exp(3) + Math.Exp(2) + 1;

    [Fact]
    public void TopKTokensWithTheirProbabilityAndTheFilledSentence()
    {
        int[] ids = [2, 5, 4, 8, 3];   // [CLS] the [MASK] sat [SEP]
        var r = FillMask.Postprocess("the [MASK] sat", ids, Logits(ids, (2, MaskRow)), V, Tok, topK: 2);
        var mask = Assert.Single(r.Masks);
        Assert.Equal(2, mask.Position);
        Assert.Equal(["cat", "dog"], mask.Candidates.Select(c => c.TokenStr));
        Assert.Equal(Math.Exp(3) / Z, mask.Candidates[0].Score, 12);
        Assert.Equal(6, mask.Candidates[0].Token);
        Assert.Equal("the cat sat", mask.Candidates[0].Sequence);
    }

    [Fact]
    public void TargetsKeepTheirFullVocabularyProbability()
    {
        int[] ids = [2, 5, 4, 8, 3];
        var targets = FillMask.TargetIds(Tok, ["sat", "the", "sat"]);
        Assert.Equal([8, 5], targets.ToArray());
        var r = FillMask.Postprocess("the [MASK] sat", ids, Logits(ids, (2, MaskRow)), V, Tok, topK: 5, targets);
        var c = Assert.Single(r.Masks).Candidates;
        Assert.Equal(["the", "sat"], c.Select(x => x.TokenStr));   // top_k shrinks to the two targets
        Assert.Equal(Math.E / Z, c[0].Score, 12);
        Assert.Equal(1 / Z, c[1].Score, 12);
    }

    [Fact]
    public void ATargetOutsideTheVocabularyBecomesItsFirstPiece()
    {
        Assert.Equal([Tok.UnkTokenId], FillMask.TargetIds(Tok, ["zebra"]).ToArray());
        Assert.Throws<InputException>(() => FillMask.TargetIds(Tok, ["  "]));
    }

    [Fact]
    public void WithSeveralMasksEachIsFilledAloneAndSpecialTokensStay()
    {
        int[] ids = [2, 4, 4, 3];   // [CLS] [MASK] [MASK] [SEP]
        var r = FillMask.Postprocess("[MASK] [MASK]", ids,
            Logits(ids, (1, [0, 0, 0, 0, 0, 5, 0, 0, 0]), (2, [0, 0, 0, 0, 0, 0, 0, 0, 5])), V, Tok, topK: 1);
        Assert.Equal(2, r.Masks.Length);
        Assert.Equal("[CLS] the [MASK] [SEP]", r.Masks[0].Candidates[0].Sequence);
        Assert.Equal("[CLS] [MASK] sat [SEP]", r.Masks[1].Candidates[0].Sequence);
    }
}
