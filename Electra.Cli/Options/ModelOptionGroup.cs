using System.CommandLine;
using Electra.Cli.Commands;

namespace Electra.Cli.Options;

/// <summary>
/// The options of a command that loads one model on one backend: --model, --revision, --backend, --device, --threads
/// (and --head where the command lets the user choose the class). An option every model-loading command should take
/// (a precision, a quantization, offline mode) is added here once and read in <see cref="Read"/>.
/// </summary>
internal sealed class ModelOptionGroup
{
    public Option<string> Model { get; }
    public Option<string> Revision { get; }
    public Option<string> Backend { get; }
    public Option<string> Device { get; }
    public Option<int?> Threads { get; }
    public Option<string> Precision { get; }
    public Option<string> Quantize { get; }
    public Option<string>? Head { get; }

    public ModelOptionGroup(Command command, Option<string> model, bool head = false)
    {
        Model = command.Define(model);
        Revision = command.Define(SharedOptions.Revision());
        Backend = command.Define(SharedOptions.Backend());
        Device = command.Define(SharedOptions.Device());
        Threads = command.Define(SharedOptions.Threads());
        Precision = command.Define(SharedOptions.Precision());
        Quantize = command.Define(SharedOptions.Quantize());
        Head = head ? command.Define(SharedOptions.Head()) : null;
    }

    public ModelLoadOptions Read(ParseResult r) =>
        new(r.GetValue(Revision), r.GetValue(Backend), r.GetValue(Threads), r.GetValue(Device), Head is null ? null : r.GetValue(Head),
            r.GetValue(Quantize))
        {
            Precision = r.GetValue(Precision),
        };
}
