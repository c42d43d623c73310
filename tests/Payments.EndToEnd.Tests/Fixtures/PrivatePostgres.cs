using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Payments.EndToEnd.Tests.Fixtures;

/// <summary>
/// A PostgreSQL 15 cluster of one test's own (<c>initdb</c> into a temporary directory, a free loopback port, its
/// socket in that directory), so the test can stop, start or freeze it for real without touching the server every
/// other test shares. PostgreSQL refuses to run as root: when the tests run as root, every <c>initdb</c> and
/// <c>pg_ctl</c> runs as the <c>postgres</c> OS user, which owns the directory. Dispose (and the end of the test
/// process, whatever happened) stops the cluster and deletes the directory.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    /// <summary>PostgreSQL 15's programs, as in CI; else the newest installed (Debian's layout).</summary>
    private static readonly string Bin = File.Exists("/usr/lib/postgresql/15/bin/initdb")
        ? "/usr/lib/postgresql/15/bin"
        : (Directory.Exists("/usr/lib/postgresql")
              ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                  .Where(b => File.Exists(Path.Combine(b, "initdb")))
                  .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var major) ? major : 0)
                  .FirstOrDefault()
              : null) ?? "/usr/lib/postgresql/15/bin";
    private const string Database = "payments";
    private const string User = "payments";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    private readonly string _directory;
    private readonly string _data;
    private readonly string _log;
    private int _disposed;

    private PrivatePostgres(string directory, int port)
    {
        _directory = directory;
        _data = Path.Combine(directory, "data");
        _log = Path.Combine(directory, "postgres.log");
        Port = port;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Database = Database, Username = User, Password = User,
        }.ConnectionString;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Destroy();
    }

    public int Port { get; }

    /// <summary>The service's connection string to this cluster (loopback, trust authentication).</summary>
    public string ConnectionString { get; }

    /// <summary>initdb, start, and a <c>payments</c> database owned by the <c>payments</c> superuser.</summary>
    public static async Task<PrivatePostgres> StartNewAsync()
    {
        if (!File.Exists(Path.Combine(Bin, "initdb")))
        {
            throw new InvalidOperationException($"{Bin}/initdb is missing: install the PostgreSQL server (scripts/postgres.sh does).");
        }

        var directory = Directory.CreateTempSubdirectory("payments-pg-").FullName;
        var postgres = new PrivatePostgres(directory, FreePort());
        try
        {
            if (RunningAsRoot)
            {
                await Run("chown", "postgres:postgres", directory);
            }

            await AsPostgres("initdb", "-D", postgres._data, "-U", User, "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync");
            await File.AppendAllTextAsync(Path.Combine(postgres._data, "postgresql.conf"), string.Create(CultureInfo.InvariantCulture, $"""

                listen_addresses = '127.0.0.1'
                port = {postgres.Port}
                unix_socket_directories = '{directory}'
                max_connections = 100
                shared_buffers = 32MB
                fsync = off
                synchronous_commit = off
                full_page_writes = off

                """));
            await postgres.StartAsync();

            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = "postgres" }.ConnectionString);
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"create database {Database}", connection);
            await create.ExecuteNonQueryAsync();
            return postgres;
        }
        catch
        {
            await postgres.DisposeAsync();
            throw;
        }
    }

    /// <summary><c>pg_ctl start</c>, waiting until it accepts connections.</summary>
    public Task StartAsync() => AsPostgres("pg_ctl", "-D", _data, "-l", _log, "-w", "-t", "60", "start");

    /// <summary><c>pg_ctl stop -m fast</c>: every session is terminated, and the port closes once it is down.</summary>
    public Task StopAsync() => AsPostgres("pg_ctl", "-D", _data, "-m", "fast", "-w", "-t", "60", "stop");

    /// <summary>
    /// SIGSTOP to the postmaster and every backend: the port still accepts TCP connections (the kernel does), but
    /// nothing answers a query or a login — a hung database.
    /// </summary>
    public Task FreezeAsync() => Signal("-STOP");

    /// <summary>SIGCONT: the frozen cluster carries on where it stopped.</summary>
    public Task ThawAsync() => Signal("-CONT");

    public async ValueTask DisposeAsync()
    {
        await Task.Run(Destroy);
    }

    private async Task Signal(string signal)
    {
        var processes = Processes();
        if (processes.Count == 0)
        {
            throw new InvalidOperationException($"The cluster in {_data} is not running.");
        }

        await Run("kill", [signal, .. processes.Select(p => p.ToString(CultureInfo.InvariantCulture))]);
    }

    /// <summary>The postmaster (first line of postmaster.pid) and its children, from /proc.</summary>
    private List<int> Processes()
    {
        var pidFile = Path.Combine(_data, "postmaster.pid");
        if (!File.Exists(pidFile) || !int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), CultureInfo.InvariantCulture, out var postmaster))
        {
            return [];
        }

        var children = Directory.EnumerateDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), CultureInfo.InvariantCulture, out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == postmaster);
        return [postmaster, .. children];
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal));
            return line is null ? null : int.Parse(line["PPid:".Length..].Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null; // gone meanwhile
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Thaws, stops at once (<c>-m immediate</c>) and deletes the directory; safe to call more than once.</summary>
    private void Destroy()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            var processes = Processes();
            if (processes.Count > 0)
            {
                Run("kill", ["-CONT", .. processes.Select(p => p.ToString(CultureInfo.InvariantCulture))]).Wait(CommandTimeout);
                AsPostgres("pg_ctl", "-D", _data, "-m", "immediate", "-w", "-t", "30", "stop").Wait(CommandTimeout);
            }
        }
        catch (AggregateException)
        {
            // Stopped already, or never started: the directory goes anyway.
        }
        finally
        {
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temporary directory.
            }
        }
    }

    private static bool RunningAsRoot => Environment.IsPrivilegedProcess;

    private static Task AsPostgres(string program, params string[] arguments) =>
        RunningAsRoot
            ? Run("runuser", ["-u", "postgres", "--", Path.Combine(Bin, program), .. arguments])
            : Run(Path.Combine(Bin, program), arguments);

    private static async Task Run(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            // runuser keeps the working directory: one the postgres user may not enter would fail pg_ctl.
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await output}\n{await error}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
