using Microsoft.Extensions.Logging.Console;
using Spectre.Console;

namespace Payments.Host.Tooling;

/// <summary>
/// When the process runs a command instead of the service, standard output carries the command's answer and nothing
/// else, so <c>audit --json | jq .</c> works (docs/architecture.md, Machine output and logs). Two things wrote there:
/// the console logger, and JasperFx, which prints "Searching '&lt;assembly&gt;' for commands" for each assembly it scans
/// (and its own help and tables) through Spectre.Console's <see cref="AnsiConsole"/>, with no option to keep quiet.
/// Both go to standard error; our commands write their answer with <see cref="Console.Out"/>.
/// </summary>
public static class CommandLineOutput
{
    public static WebApplicationBuilder KeepStandardOutputForAnswers(this WebApplicationBuilder builder, string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!RunsACommand(args))
        {
            return builder;
        }

        builder.Services.Configure<ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return builder;
    }

    /// <summary>JasperFx serves (its <c>run</c> command) when there are no arguments or the first is an option.</summary>
    public static bool RunsACommand(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Count > 0 && !args[0].StartsWith('-') && !string.Equals(args[0], "run", StringComparison.OrdinalIgnoreCase);
    }
}
