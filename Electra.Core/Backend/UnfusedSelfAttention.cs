using System.Runtime.CompilerServices;

namespace Electra.Core.Backend;

/// <summary>
/// <see cref="IForwardPass.SelfAttention"/> as its parts: the query, key and value projections in one
/// <see cref="IForwardPass.Linears(DeviceTensor, ReadOnlySpan{LinearWeight}, Span{DeviceTensor})"/>, then
/// <see cref="IForwardPass.Attention"/> without probabilities, then q, k and v released; every call goes through
/// <paramref name="pass"/>, so a pass that wraps another sees each part.
/// </summary>
public static class UnfusedSelfAttention
{
    /// <summary>The context [B, S, H] of x [B, S, H]; owned by the caller.</summary>
    public static DeviceTensor Run(IForwardPass pass, DeviceTensor x, LinearWeight query, LinearWeight key, LinearWeight value,
        DeviceTensor keyMask, int heads, bool causal)
    {
        // On the stack: a forward calls this once per layer.
        var weights = new Three<LinearWeight>();
        (weights[0], weights[1], weights[2]) = (query, key, value);
        var projections = new Three<DeviceTensor>();
        pass.Linears(x, weights, projections);
        try
        {
            return pass.Attention(projections[0], projections[1], projections[2], keyMask, heads, causal, returnProbabilities: false).Context;
        }
        finally
        {
            for (int i = 0; i < 3; i++)
                if (projections[i] is { } t) pass.Release(t);
        }
    }

    [InlineArray(3)]
    struct Three<T>
    {
        T _first;
    }
}
