using Electra.Core.Errors;

namespace Electra.Core.Backend;

/// <summary>Element-wise activations, named as in transformers' ACT2FN.</summary>
public enum Activation
{
    /// <summary>y = x ("linear").</summary>
    Identity,
    /// <summary>Exact GELU, x·Φ(x) with the error function, as torch.nn.functional.gelu ("gelu").</summary>
    Gelu,
    /// <summary>Tanh approximation 0.5x(1+tanh(√(2/π)(x+0.044715x³))) ("gelu_new", "gelu_pytorch_tanh", "gelu_fast").</summary>
    GeluTanh,
    /// <summary>max(x, 0) ("relu").</summary>
    Relu,
    /// <summary>x·sigmoid(x) ("silu", "swish").</summary>
    Silu,
    /// <summary>tanh(x) ("tanh").</summary>
    Tanh,
    /// <summary>1/(1+e^-x) ("sigmoid").</summary>
    Sigmoid,
    /// <summary>x·sigmoid(1.702x) ("quick_gelu").</summary>
    QuickGelu,
}

public static class ActivationNames
{
    /// <summary>Maps a transformers activation name (config.json's hidden_act) to <see cref="Activation"/>.</summary>
    /// <exception cref="ConfigException">the name is not one transformers' ELECTRA accepts and we implement.</exception>
    public static Activation Parse(string name) => name switch
    {
        "gelu" => Activation.Gelu,
        "gelu_new" or "gelu_pytorch_tanh" or "gelu_fast" => Activation.GeluTanh,
        "relu" => Activation.Relu,
        "silu" or "swish" => Activation.Silu,
        "tanh" => Activation.Tanh,
        "sigmoid" => Activation.Sigmoid,
        "quick_gelu" => Activation.QuickGelu,
        "linear" => Activation.Identity,
        _ => throw new ConfigException(
            $"unsupported activation '{name}': expected one of gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu, swish, tanh, sigmoid, quick_gelu, linear"),
    };
}
