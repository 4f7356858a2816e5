using System.Numerics.Tensors;
using Electra.Core.Backend;

namespace Electra.Cpu.Kernels;

/// <summary>Element-wise activations, computed as torch computes them in float32.</summary>
public static class ActivationKernels
{
    public static void Apply(Activation activation, Span<float> values)
    {
        switch (activation)
        {
            case Activation.Identity:
                return;
            case Activation.Relu:
                TensorPrimitives.Max(values, 0f, values);
                return;
            case Activation.Tanh:
                TensorPrimitives.Tanh(values, values);
                return;
            case Activation.Sigmoid:
                TensorPrimitives.Sigmoid(values, values);
                return;
            default:
                for (int i = 0; i < values.Length; i++) values[i] = Apply(activation, values[i]);
                return;
        }
    }

    public static float Apply(Activation activation, float x) => activation switch
    {
        Activation.Identity => x,
        Activation.Gelu => (float)(0.5 * x * (1.0 + Erf.Evaluate(x * 0.70710678118654752440))),
        Activation.GeluTanh => (float)(0.5 * x * (1.0 + Math.Tanh(0.79788456080286535588 * (x + 0.044715 * (double)x * x * x)))),
        Activation.Relu => x > 0 ? x : 0f,
        Activation.Silu => (float)(x / (1.0 + Math.Exp(-x))),
        Activation.Tanh => MathF.Tanh(x),
        Activation.Sigmoid => (float)(1.0 / (1.0 + Math.Exp(-x))),
        Activation.QuickGelu => (float)(x / (1.0 + Math.Exp(-1.702 * x))),
        _ => throw new ArgumentOutOfRangeException(nameof(activation)),
    };
}
