using System.Collections.Immutable;

namespace Electra.Core.Errors;

/// <summary>
/// A model name is neither an existing folder nor a hub id present in the local Hugging Face cache.
/// <see cref="SearchedLocations"/> lists every place that was tried, in order.
/// </summary>
public class ModelNotFoundException : ElectraException
{
    /// <summary>The name as the user gave it.</summary>
    public string Name { get; }

    /// <summary>Each path that was looked at, with why it did not hold the model.</summary>
    public ImmutableArray<string> SearchedLocations { get; }

    public ModelNotFoundException(string name, ImmutableArray<string> searchedLocations, string message)
        : base(message) => (Name, SearchedLocations) = (name, searchedLocations);
}
