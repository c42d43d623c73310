using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// The built Payments.Host.dll as a process: its standard output is the service's log entries (JSON lines here, as a
/// log collector reads them) or a command's answer, never JasperFx's own text — the "Searching '…' for commands" line
/// it prints for each assembly it scans, its blank line, help and tables (docs/architecture.md, Machine output and logs).
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class when_the_host_process_starts(PostgresDatabase database)
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(120);

    private Dictionary<string, string> Settings(int port) => new()
    {
        ["ConnectionStrings__Payments"] = database.ConnectionString,
        ["EventStore__Schema"] = "quiet_start",
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        ["Logging__Console__FormatterName"] = "json",
        // More of the start-up logged than by default: what JasperFx would have printed sits between these entries.
        ["Logging__LogLevel__Wolverine"] = "Information",
    };

    private async Task<HostProcess> ServeAndStopAsync(params string[] args)
    {
        var port = HostProcess.FreePort();
        var host = HostProcess.Start(args, Settings(port));
        await host.WaitUntilHealthyAsync(new Uri($"http://127.0.0.1:{port}"), Start);
        (await host.StopAsync(TimeSpan.FromSeconds(60))).ShouldBe(0, "stopped by SIGTERM");
        return host;
    }

    [Fact]
    public async Task the_service_writes_only_its_log_entries_and_jasperfx_scans_nothing()
    {
        await using var host = await ServeAndStopAsync();

        host.Output.Where(line => !HostProcess.IsJsonEntry(line)).ShouldBeEmpty("every line on standard output is a JSON log entry");
        host.LogMessages().ShouldContain(m => m.StartsWith("Found ", StringComparison.Ordinal) && m.Contains(" Wolverine HTTP endpoints ", StringComparison.Ordinal));
        host.LogMessages().ShouldContain("Application is shutting down...");
        host.Errors.ShouldBeEmpty("without a command JasperFx's command line does not run: no scan, nothing printed");
    }

    [Fact]
    public async Task the_run_command_writes_only_its_log_entries_and_jasperfx_text_goes_to_standard_error()
    {
        await using var host = await ServeAndStopAsync("run");

        host.Output.Where(line => !HostProcess.IsJsonEntry(line)).ShouldBeEmpty("every line on standard output is a JSON log entry");
        host.LogMessages().ShouldContain("Application is shutting down...");
        host.Errors.ShouldContain(line => line.StartsWith("Searching 'JasperFx, ", StringComparison.Ordinal), "JasperFx did scan");
    }

    [Theory]
    [InlineData("describe")]
    [InlineData("codegen preview")]
    [InlineData("resources list")]
    [InlineData("db-list")]
    public async Task a_command_leaves_jasperfx_text_on_standard_error(string command)
    {
        var (exitCode, output, errors) = await HostProcess.RunAsync(command.Split(' '), Settings(HostProcess.FreePort()));

        exitCode.ShouldBe(0, string.Join('\n', errors.TakeLast(20)));
        output.ShouldNotContain(line => line.Contains("for commands", StringComparison.Ordinal) || line.StartsWith("Searching '", StringComparison.Ordinal));
        output.ShouldNotContain(line => line.Contains('━'), "no Spectre table (describe's, resources') on standard output");
        errors.ShouldContain(line => line.StartsWith("Searching 'JasperFx, ", StringComparison.Ordinal), "JasperFx did scan");
    }

    [Fact]
    public async Task help_is_all_on_standard_error()
    {
        var (exitCode, output, errors) = await HostProcess.RunAsync(["help"], Settings(HostProcess.FreePort()));

        (exitCode, output.Count).ShouldBe((0, 0));
        errors.ShouldContain(line => line.Contains("codegen", StringComparison.Ordinal));
    }
}
