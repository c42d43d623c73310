using System.Reflection;
using JasperFx;
using Microsoft.Extensions.Logging.Console;
using Spectre.Console;

namespace Payments.Host.Tooling;

/// <summary>
/// Standard output has one reader at a time (docs/architecture.md, Machine output and logs): the service's log entries
/// (JSON lines that a collector parses), or a command's answer (<c>audit --json | jq .</c>). JasperFx, which runs our
/// commands, prints "Searching '&lt;assembly&gt;' for commands" for each Critter Stack assembly it scans, then a blank
/// line, its help, its tables and its errors, all through Spectre.Console's <see cref="AnsiConsole"/>; JasperFx 2.100 has
/// no setting for the scan or its lines. So the service starts without JasperFx's command line (no scan, which also
/// loaded every assembly in the folder), and wherever JasperFx does run, its console is standard error. A command other
/// than <c>run</c> logs to standard error too; our commands write their answer with <see cref="Console.Out"/>.
/// </summary>
public static class CommandLineOutput
{
    public static WebApplicationBuilder KeepStandardOutputForAnswers(this WebApplicationBuilder builder, string[] args)
    {
        ArgumentNullException.ThrowIfNull(builder);
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        if (RunsACommand(args))
        {
            builder.Services.Configure<ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        }

        return builder;
    }

    /// <summary>
    /// The service, as any ASP.NET Core host runs, when there is no command (ASP.NET Core reads options such as
    /// <c>--urls</c> itself); the command otherwise, JasperFx's <c>run</c> included.
    /// </summary>
    public static async Task<int> RunServiceOrCommandAsync(this WebApplication app, string[] args)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!NamesACommand(args))
        {
            try
            {
                await app.RunAsync();
                return 0;
            }
            catch (Exception e) when (Assembly.GetEntryAssembly() == typeof(CommandLineOutput).Assembly)
            {
                // The host logs a failed start; the exception also goes to standard error, and the exit code is 1 as
                // under JasperFx, not an abort. Under a test's WebApplicationFactory it must reach the factory instead.
                await Console.Error.WriteLineAsync(e.ToString());
                return 1;
            }
        }

        var code = await app.RunJasperFxCommands(args);
        return ExitCode ?? code;
    }

    /// <summary>A command's exit code beyond JasperFx's 0 and 1 (<c>reconcile</c>: 2 when it could not run).</summary>
    public static int? ExitCode { get; set; }

    /// <summary>A command other than <c>run</c>: its answer, not the logs, is standard output.</summary>
    public static bool RunsACommand(IReadOnlyList<string> args) =>
        NamesACommand(args) && !string.Equals(args[0], "run", StringComparison.OrdinalIgnoreCase);

    /// <summary>JasperFx, too, serves when there are no arguments or the first is an option.</summary>
    private static bool NamesACommand(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Count > 0 && !args[0].StartsWith('-');
    }
}
