using System.Collections.Immutable;
using Electra.Core.Backend;

namespace Electra.Benchmarks;

/// <summary>
/// A backend decorator that keeps a copy of every int8 linear's input in forward order, as the points where ONNX
/// Runtime's int8 model runs DynamicQuantizeLinear: per encoder layer the query/key/value input, the attention context,
/// the feed-forward input and the activated intermediate. The feed-forward block never hands out its intermediate, so
/// it is recomputed here by the same int8 linear with the same activation (the same epilogue, so the same bits).
/// </summary>
public sealed class QuantizedInputCapture(IBackend inner) : DelegatingBackend(inner)
{
    readonly List<float[]> _captured = [];

    /// <summary>The inputs of the last forward, in order.</summary>
    public IReadOnlyList<float[]> Captured => _captured;

    public override IForwardPass BeginPass()
    {
        _captured.Clear();
        return new Pass(this, Inner.BeginPass());
    }

    sealed class Pass(QuantizedInputCapture owner, IForwardPass inner) : DelegatingForwardPass(owner, inner)
    {
        public override void Linears(DeviceTensor x, ReadOnlySpan<LinearWeight> weights, Span<DeviceTensor> results)
        {
            owner._captured.Add(Read(x));
            base.Linears(x, weights, results);
        }

        public override ImmutableArray<DeviceTensor> Linears(DeviceTensor x, ImmutableArray<LinearWeight> weights)
        {
            owner._captured.Add(Read(x));
            return base.Linears(x, weights);
        }

        public override DeviceTensor LinearLayerNorm(DeviceTensor x, LinearWeight weight, DeviceTensor residual, DeviceTensor gamma,
            DeviceTensor beta, float eps)
        {
            owner._captured.Add(Read(x));
            return base.LinearLayerNorm(x, weight, residual, gamma, beta, eps);
        }

        public override DeviceTensor FeedForwardLayerNorm(DeviceTensor x, LinearWeight up, Activation activation, LinearWeight down,
            DeviceTensor gamma, DeviceTensor beta, float eps)
        {
            owner._captured.Add(Read(x));
            var intermediate = Inner.Linear(x, up, activation);
            owner._captured.Add(Read(intermediate));
            Inner.Release(intermediate);
            return base.FeedForwardLayerNorm(x, up, activation, down, gamma, beta, eps);
        }
    }
}
