using System.Diagnostics;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Payments.Domain;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>
/// Our commands with machine output (<c>audit --json</c>, <c>diagram --output -</c>) run as real processes, as a script
/// would: standard output is their answer alone; logs and JasperFx's banner are on standard error
/// (docs/architecture.md, Machine output and logs).
/// </summary>
public class when_a_machine_reads_the_audit(AppFixture app) : HostTest(app)
{
    private sealed record Run(int ExitCode, string Output, string Errors);

    /// <summary>The Host's own build output (the test's bin folder holds the test assemblies, which JasperFx would scan).</summary>
    private static string HostDirectory()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Payments.sln")))
        {
            root = root.Parent;
        }

        ArgumentNullException.ThrowIfNull(root);
        var build = Path.GetRelativePath(Path.Combine(root.FullName, "tests", "Payments.Host.Tests"), AppContext.BaseDirectory);
        return Path.GetFullPath(Path.Combine(root.FullName, "src", "Payments.Host", build));
    }

    private static async Task<Run> Host(string connectionString, params string[] args)
    {
        var directory = HostDirectory();
        var start = new ProcessStartInfo(Path.Combine(directory, OperatingSystem.IsWindows() ? "Payments.Host.exe" : "Payments.Host"))
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["ConnectionStrings__Payments"] = connectionString,
                ["ASPNETCORE_ENVIRONMENT"] = "Development",

                // Wolverine logs what it found while the host is built: real log lines that used to land on stdout.
                ["Logging__LogLevel__Wolverine"] = "Information",
            },
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("the host did not start");
        var output = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        bounded.CancelAfter(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(bounded.Token);
        return new Run(process.ExitCode, await output, await errors);
    }

    [Fact]
    public async Task standard_output_is_only_the_json_and_the_logs_are_on_standard_error()
    {
        var id = Guid.CreateVersion7();
        await using (var session = App.Store.LightweightSession())
        {
            // No cause header: three MissingCause findings, so the answer is not an empty list.
            session.Events.StartStream<Payment>(id, [
                new PaymentRequested(id, Given.Request(), ManualClock.Start),
                new PaymentPending(id, Given.CheckoutId, Given.Redirect, ManualClock.Start),
                new PaymentCaptured(id, Given.CheckoutId, "act_capture", 1000, "10000", ManualClock.Start),
            ]);
            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var run = await Host(Environment.GetEnvironmentVariable("ConnectionStrings__Payments")!, "audit", "--json");

        using var json = JsonDocument.Parse(run.Output);
        json.RootElement.EnumerateArray().Select(f => (f.GetProperty("paymentId").GetGuid(), f.GetProperty("version").GetInt64(),
            f.GetProperty("kind").GetString(), f.GetProperty("detail").GetString())).ShouldBe([
            (id, 1L, "MissingCause", "PaymentRequested has no cause"),
            (id, 2L, "MissingCause", "PaymentPending has no cause"),
            (id, 3L, "MissingCause", "PaymentCaptured has no cause"),
        ]);
        run.ExitCode.ShouldBe(1, "findings");
        run.Errors.ShouldContain("for commands");
        run.Errors.ShouldContain("info: Wolverine.Http.HttpGraph");
    }

    [Fact]
    public async Task the_diagram_written_to_standard_output_is_the_document_alone()
    {
        var run = await Host(Environment.GetEnvironmentVariable("ConnectionStrings__Payments")!, "diagram", "--output", "-");

        (run.ExitCode, run.Output).ShouldBe((0, StateDiagramDocument.Render()));
        run.Errors.ShouldContain("for commands");
    }
}

/// <summary>What the service logs when it runs normally (docs/architecture.md, Machine output and logs).</summary>
public class when_a_contended_write_leaves_a_gap_in_the_event_sequence(AppFixture app) : HostTest(app)
{
    [Fact]
    public void the_daemons_skip_warning_is_filtered_out_and_its_errors_are_kept()
    {
        // Marten's high-water detector logs "... lost to rolled-back appends" under the category of the coordinator
        // that runs the daemon; appsettings.json keeps that category's errors only.
        var daemon = App.Host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Marten.Events.Daemon.Coordination.ProjectionCoordinator");

        (daemon.IsEnabled(LogLevel.Warning), daemon.IsEnabled(LogLevel.Error)).ShouldBe((false, true));
    }
}
