using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Payments.EndToEnd.Tests.Fleet;
using Payments.Host.Security;
using Shouldly;
using Payments.EndToEnd.Tests.Fixtures;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// The real process (<c>dotnet Payments.Host.dll</c>, as an operator runs it) in Production with two bad settings, one
/// read before the container exists and one bound after: it exits with code 1 and one line per setting on standard
/// error, writes nothing else, and never opens a connection to its database, so it stops at once instead of waiting on it.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class when_the_service_is_started_with_bad_settings
{
    /// <summary>Far above what starting the process takes, and below the database timeout a connection attempt would wait.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task it_exits_1_with_one_line_per_setting_before_touching_its_database()
    {
        // A database that accepts connections and never answers: a start that tried it would hang for the Timeout (120 s).
        var database = new TcpListener(IPAddress.Loopback, 0);
        database.Start();
        try
        {
            var port = ((IPEndPoint)database.LocalEndpoint).Port;
            var (exitCode, output, error, took) = await RunHostAsync(new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
                ["ConnectionStrings__Payments"] = $"Host=127.0.0.1;Port={port};Database=payments;Username=payments;Password=payments;Timeout=120",
                ["EventStore__Schema"] = "Payments-E2E",
                ["Checkout__BaseUrl"] = "relative/path",
                ["Checkout__SecretKey"] = "sk_live_configuration_test",
                ["Checkout__WebhookSignatureKey"] = "whsec_configuration_test",
                ["Auth__ApiKeys__0__Name"] = "merchant",
                ["Auth__ApiKeys__0__Sha256"] = ApiKeyOptions.Hash("pk_live_configuration_test"),
                ["Auth__ApiKeys__0__Scopes__0"] = Scopes.PaymentsWrite,
            });

            exitCode.ShouldBe(1);
            error.ShouldBe([
                "The service cannot start: 2 settings are invalid.",
                "EventStore:Schema is 'Payments-E2E', not a lower-case PostgreSQL name (a letter or _, then letters, digits or _, at most "
                + "63, not pg_…): the event store's tables could not be created in it (environment: EventStore__Schema).",
                "Checkout:BaseUrl is 'relative/path', not an absolute http(s) URL: no call could reach Checkout.com (environment: "
                + "Checkout__BaseUrl).",
            ]);
            output.ShouldBeEmpty();
            database.Pending().ShouldBeFalse("the process opened a connection to its database");
            took.ShouldBeLessThan(Deadline);
        }
        finally
        {
            database.Stop();
        }
    }

    private static async Task<(int ExitCode, IReadOnlyList<string> Output, IReadOnlyList<string> Error, TimeSpan Took)> RunHostAsync(
        Dictionary<string, string> environment)
    {
        var dll = FleetOfHosts.HostDll();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);

        // Only what this test sets: nothing another stack of this test process left in the environment reaches it.
        foreach (var inherited in start.Environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal)
                     || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(Deadline * 2);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var took = clock.Elapsed;
            return (process.ExitCode, Lines(await output), Lines(await error), took);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
