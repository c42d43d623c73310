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
    public async Task an_edited_event_a_deleted_event_and_an_edited_root_are_named_in_the_json_and_fail_the_exit_code()
    {
        async Task<Guid> Seed(Func<Guid, object> last)
        {
            var id = Guid.CreateVersion7();
            await using var session = App.Store.LightweightSession();
            session.SetHeader("cause", "http:test");
            session.Events.StartStream<Payment>(id, [
                new PaymentRequested(id, Given.Request(), ManualClock.Start),
                new PaymentPending(id, Given.CheckoutId, Given.Redirect, ManualClock.Start),
                last(id),
            ]);
            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
            return id;
        }

        var edited = await Seed(id => new PaymentCaptured(id, Given.CheckoutId, "act_capture", 1000, "10000", ManualClock.Start));
        var deleted = await Seed(id => new PaymentFlaggedForReview(id, "a test fact", PaymentStatus.Pending, "a test's reason", ManualClock.Start));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        await using (var session = App.Store.LightweightSession())
        {
            await global::Payments.Host.TamperEvidence.DailyRootSeal.SealAsync(session,
                new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(2).AddHours(12), TestContext.Current.CancellationToken);
            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var (day, tomorrow) = (today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
            today.AddDays(1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await using (var connection = new Npgsql.NpgsqlConnection(Environment.GetEnvironmentVariable("ConnectionStrings__Payments")))
        {
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            foreach (var sql in new[]
                     {
                         $"update payments.mt_events set data = jsonb_set(data, '{{Amount}}', '1') where stream_id = '{edited}' and version = 3 and data ->> 'Amount' = '1000'",
                         $"delete from payments.mt_events where stream_id = '{deleted}' and version = 2",
                         $"update payments.mt_doc_dailyroot set data = jsonb_set(data, '{{Root}}', '\"{new string('f', 64)}\"') where id = '{tomorrow}'",
                     })
            {
                await using var command = new Npgsql.NpgsqlCommand(sql, connection);
                (await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken)).ShouldBe(1, sql);
            }
        }

        var run = await Host(Environment.GetEnvironmentVariable("ConnectionStrings__Payments")!, "audit", "--json");

        using var json = JsonDocument.Parse(run.Output);
        string? Text(JsonElement f, string name) => f.TryGetProperty(name, out var p) ? p.ValueKind == JsonValueKind.Null ? "null" : p.ToString() : null;
        json.RootElement.EnumerateArray()
            .Where(f => f.GetProperty("kind").GetString() is "BrokenChain" or "BrokenRoot")
            .Select(f => (Text(f, "paymentId"), Text(f, "day"), Text(f, "version"), Text(f, "kind"), Text(f, "detail"), Text(f, "found")?.Length))
            .ShouldBe([
                (edited.ToString(), null, "3", "BrokenChain", "event v3 was changed after it was appended: its content does not give its hash", 64),
                (deleted.ToString(), null, "2", "BrokenChain", "event v2 is missing: v1 is followed by v3", "version 3".Length),
                (null, day, "null", "BrokenRoot", $"the root of {day} does not match its events", 64),
                (null, tomorrow, "null", "BrokenRoot", $"the root of {tomorrow} does not match its events", 64),
            ], ignoreOrder: true);
        run.ExitCode.ShouldBe(1, "broken links");
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
