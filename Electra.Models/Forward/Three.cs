using System.Runtime.CompilerServices;

namespace Electra.Models.Forward;

/// <summary>Three values on the stack (query, key and value weights or results), for the span overload of <c>Linears</c>.</summary>
[InlineArray(3)]
internal struct Three<T>
{
    private T _first;
}
