using System.Collections.Immutable;
using Electra.Core.Configuration;
using Electra.Models.Heads;
using Electra.Models.Layers;

namespace Electra.Models.Loading;

/// <summary>The state-dict keys and shapes transformers saves for a config and head class (what a checkpoint must hold).</summary>
public static class StateDictLayout
{
    /// <summary>
    /// Every key and shape, in the order the modules read them: the modules' own <c>Load</c> functions run against a
    /// reader that only writes down what they ask for, so the layout is by construction what loading expects.
    /// </summary>
    public static ImmutableArray<(string Key, ImmutableArray<int> Shape)> Expected(ElectraConfig c, ElectraArchitecture architecture)
    {
        var recorder = new StateDictRecorder();
        string prefix = architecture == ElectraArchitecture.ElectraModel ? "" : ModelWeightsLoader.BasePrefix;
        ElectraBody.Load(recorder, prefix, c);
        Head.Load(architecture, recorder, prefix, c);
        return recorder.Keys;
    }
}
