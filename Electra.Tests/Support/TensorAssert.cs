using Electra.Core.Tensors;
using Xunit.Sdk;

namespace Electra.Tests.Support;

/// <summary>Element-wise comparison |a − r| ≤ abs + rel·|r| with a failure message that points at the element.</summary>
public static class TensorAssert
{
    /// <summary>Every value the same bits (−0 is not +0, a NaN only its own payload); names the first that differs.</summary>
    public static void Bitwise(string name, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{name}: {actual.Length} values, expected {expected.Length}");
        for (int i = 0; i < expected.Length; i++)
            if (BitConverter.SingleToInt32Bits(expected[i]) != BitConverter.SingleToInt32Bits(actual[i]))
                throw new XunitException($"{name}: element {i} is {actual[i]:R}, expected {expected[i]:R}");
    }

    public static void Close(string name, HostTensor expected, HostTensor actual, double abs, double rel)
    {
        if (!expected.Shape.SequenceEqual(actual.Shape))
            throw new XunitException($"{name}: shape {TensorShape.Format(actual.Shape)}, expected {TensorShape.Format(expected.Shape)}");
        Close(name, expected.Span, actual.Span, abs, rel);
    }

    public static void Close(string name, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double abs, double rel)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{name}: {actual.Length} values, expected {expected.Length}");
        int bad = 0, first = -1;
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            double diff = Math.Abs(a - e);
            bool ok = diff <= abs + rel * Math.Abs(e) || (double.IsNaN(e) && double.IsNaN(a)) || (e == a);
            if (!ok || double.IsNaN(diff) && !(double.IsNaN(e) && double.IsNaN(a)))
            {
                bad++;
                if (first < 0) first = i;
            }
            if (!double.IsNaN(diff)) worst = Math.Max(worst, diff);
        }
        if (bad > 0)
        {
            int from = Math.Max(0, first - 2), to = Math.Min(expected.Length, first + 3);
            var exp = string.Join(", ", expected[from..to].ToArray().Select(v => v.ToString("G9")));
            var act = string.Join(", ", actual[from..to].ToArray().Select(v => v.ToString("G9")));
            throw new XunitException(
                $"{name}: {bad} of {expected.Length} values outside abs {abs} + rel {rel}; first at flat index {first}; max abs diff {worst:G4}\n" +
                $"  expected [{from}..{to}): {exp}\n  actual   [{from}..{to}): {act}");
        }
    }
}
