using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Npgsql;

namespace Payments.Bench.Infrastructure;

/// <summary>
/// The database's own ceiling for the webhook figure: <c>pgbench</c> running bench/pgbench/append.sql (one stream row
/// and one event row per transaction) at the same number of connections, on the same database, in the same run.
/// </summary>
internal sealed partial class PgBench(BenchOptions options, BenchDatabase database)
{
    private string Script(string name) => Path.Combine(options.RepoRoot, "bench", "pgbench", name);

    /// <summary>Transactions per second (pgbench's "tps", without the initial connection time).</summary>
    public async Task<double> RunAsync(int clients, TimeSpan duration, CancellationToken cancellation)
    {
        await database.ExecuteAsync(await File.ReadAllTextAsync(Script("setup.sql"), cancellation), cancellation);
        var connection = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        var start = new ProcessStartInfo("pgbench",
        [
            "-n", "-c", clients.ToString(CultureInfo.InvariantCulture), "-j", "2",
            "-T", ((int)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture), "-f", Script("append.sql"),
            "-h", connection.Host ?? "localhost", "-p", connection.Port.ToString(CultureInfo.InvariantCulture),
            "-U", connection.Username ?? "payments", connection.Database ?? "payments",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PGPASSWORD"] = connection.Password ?? "";
        var process = ChildProcesses.Start(start);
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellation);
            var errors = process.StandardError.ReadToEndAsync(cancellation);
            await process.WaitForExitAsync(cancellation);
            var text = await output;
            var tps = Tps().Match(text);
            if (process.ExitCode != 0 || !tps.Success)
            {
                throw new InvalidOperationException($"pgbench failed ({process.ExitCode}): {text}\n{await errors}");
            }

            return double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        finally
        {
            ChildProcesses.Forget(process);
            process.Dispose();
            await database.ExecuteAsync("drop schema if exists bench_pgbench cascade", cancellation);
        }
    }

    [GeneratedRegex(@"tps = ([0-9.]+) \(without initial connection time\)")]
    private static partial Regex Tps();
}
