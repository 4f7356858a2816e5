// Shared helpers for the compute shaders. Activation codes follow Electra.Core.Backend.Activation.
#ifndef ELECTRA_COMMON_GLSL
#define ELECTRA_COMMON_GLSL

#define ACT_IDENTITY 0u
#define ACT_GELU 1u
#define ACT_GELU_TANH 2u
#define ACT_RELU 3u
#define ACT_SILU 4u
#define ACT_TANH 5u
#define ACT_SIGMOID 6u
#define ACT_QUICK_GELU 7u

// HF masks add (1 - mask) * torch.finfo(float32).min; the same constant keeps fully masked rows uniform as in HF.
#define FLOAT32_LOWEST (-3.4028234663852886e38)

// GLSL has no erf. Numerical Recipes' Chebyshev erfc has fractional error < 1.2e-7 everywhere, below float32's
// rounding of the surrounding GELU arithmetic.
float erfc_approx(float x)
{
    float z = abs(x);
    float t = 1.0 / (1.0 + 0.5 * z);
    float r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
              t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
              t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0.0 ? r : 2.0 - r;
}

// Built-in tanh may overflow through exp on some drivers for large |x|; this form saturates cleanly.
float safe_tanh(float x)
{
    float e = exp(-2.0 * abs(x));
    float t = (1.0 - e) / (1.0 + e);
    return x >= 0.0 ? t : -t;
}

float sigmoid(float x)
{
    return 1.0 / (1.0 + exp(-x));
}

float activate(float x, uint act)
{
    switch (act)
    {
        case ACT_GELU: return 0.5 * x * erfc_approx(-x * 0.70710678118654752);
        case ACT_GELU_TANH: return 0.5 * x * (1.0 + safe_tanh(0.79788456080286536 * (x + 0.044715 * x * x * x)));
        case ACT_RELU: return max(x, 0.0);
        case ACT_SILU: return x * sigmoid(x);
        case ACT_TANH: return safe_tanh(x);
        case ACT_SIGMOID: return sigmoid(x);
        case ACT_QUICK_GELU: return x * sigmoid(1.702 * x);
        default: return x;
    }
}

// Element-wise kernels are dispatched over a 2-D grid of workgroups because one dimension is capped at 65535
// groups; this recovers the flat element index.
// groupSize is the kernel's WG specialization constant (gl_WorkGroupSize is not reliably specialized by every
// compiler and driver).
uint flat_invocation_index(uint groupSize)
{
    uint group = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
    return group * groupSize + gl_LocalInvocationID.x;
}

uint flat_workgroup_index()
{
    return gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
}

#endif
