using System.CommandLine;
using Electra.Cli.Options;

namespace Electra.Cli.Commands;

/// <summary>
/// <c>electra completion bash|zsh</c>: prints a shell script that completes commands, options and option values by
/// asking electra itself (System.CommandLine's <c>[suggest:POSITION]</c> directive), so it never goes stale.
/// </summary>
internal static class CompletionCommand
{
    public static Command Create(CliIO io)
    {
        var command = new Command("completion",
            "print a shell completion script: `source <(electra completion bash)` in ~/.bashrc, `source <(electra completion zsh)` in ~/.zshrc");
        var shell = command.Define(new Argument<string>("SHELL") { Description = "bash or zsh" });
        shell.AcceptOnlyFromAmong("bash", "zsh");
        command.SetAction(r =>
        {
            io.Out.Write(r.GetValue(shell) == "zsh" ? Zsh : Bash);
            return ExitCodes.Success;
        });
        return command;
    }

    // The line up to the cursor, without the program name, is what the directive parses; the position is its length.
    private const string Bash = """
        # electra completion for bash
        _electra_complete() {
          local line="${COMP_LINE:0:COMP_POINT}"
          line="${line#*[[:space:]]}"
          local IFS=$'\n'
          COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" "[suggest:${#line}]" "$line" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
        }
        complete -o default -F _electra_complete electra

        """;

    private const string Zsh = """
        # electra completion for zsh
        _electra_complete() {
          local line="${(j: :)words[2,CURRENT]}"
          local -a items
          items=("${(@f)$("${words[1]}" "[suggest:${#line}]" "$line" 2>/dev/null)}")
          compadd -a items
        }
        compdef _electra_complete electra

        """;
}
