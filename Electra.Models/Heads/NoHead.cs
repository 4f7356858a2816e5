using Electra.Core.Backend;
using Electra.Models.Forward;

namespace Electra.Models.Heads;

/// <summary>ElectraModel: no head; the output is <c>last_hidden_state</c> [B, S, H].</summary>
public sealed record NoHead : Head
{
    public override ElectraArchitecture Architecture => ElectraArchitecture.ElectraModel;

    internal override void Forward(in HeadRun run, DeviceTensor hidden) => run.ReadTokens(hidden, "last_hidden_state");

    internal override RowOutputs ForwardRows(in RowRun run, DeviceTensor hidden) => run.Tokens(hidden);
}
