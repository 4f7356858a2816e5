namespace Electra.Core.Backend;

/// <summary>
/// <see cref="IForwardPass.SelfAttention"/> as its parts: the query, key and value projections in one
/// <see cref="IForwardPass.Linears(DeviceTensor, ReadOnlySpan{LinearWeight}, Span{DeviceTensor})"/>, then
/// <see cref="IForwardPass.Attention"/> without probabilities, then q, k and v released; every call goes through the
/// pass given to <see cref="Run"/>, so a pass that wraps another sees each part.
/// </summary>
public static class UnfusedSelfAttention
{
    /// <summary>The context [B, S, H] of x [B, S, H]; owned by the caller.</summary>
    public static DeviceTensor Run(IForwardPass pass, DeviceTensor x, LinearWeight query, LinearWeight key, LinearWeight value,
        DeviceTensor keyMask, int heads, bool causal)
    {
        // On the stack (collection expressions of spans): a forward calls this once per layer.
        Span<DeviceTensor> projections = [null!, null!, null!];
        pass.Linears(x, [query, key, value], projections);
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
}
