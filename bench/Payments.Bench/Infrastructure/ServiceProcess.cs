using System.Diagnostics;
using System.Globalization;

namespace Payments.Bench.Infrastructure;

/// <summary>
/// A real <c>dotnet X.dll</c> process (the payments host or the sandbox), its output in a log file, stopped with SIGTERM
/// and then killed if it does not exit.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly Process process;

    private ServiceProcess(string name, Process process, Uri baseAddress, string logPath)
    {
        Name = name;
        this.process = process;
        BaseAddress = baseAddress;
        LogPath = logPath;
    }

    public string Name { get; }
    public Uri BaseAddress { get; }
    public string LogPath { get; }
    public int Id => process.Id;

    public static ServiceProcess Start(string name, string dll, int port, IReadOnlyDictionary<string, string> environment, string logDirectory)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build the solution in Release first (scripts/bench.sh does).");
        }

        Directory.CreateDirectory(logDirectory);
        var log = Path.Combine(logDirectory, $"{name}-{DateTime.UtcNow:HHmmss-fff}.log");
        var baseAddress = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
        // exec: the shell becomes dotnet, so the pid is the service's own (its RSS, its CPU).
        var start = new ProcessStartInfo("/bin/sh", ["-c", "exec dotnet \"$0\" >\"$1\" 2>&1", dll, log])
        {
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/');
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new ServiceProcess(name, ChildProcesses.Start(start), baseAddress, log);
    }

    /// <summary>Polls <paramref name="path"/> until it answers 2xx; fails with the log's tail if the process dies.</summary>
    public async Task WaitReadyAsync(string path, TimeSpan timeout, CancellationToken cancellation)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            cancellation.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {process.ExitCode} while starting:\n{Tail()}");
            }

            try
            {
                using var response = await Probe.GetAsync(new Uri(BaseAddress, path), cancellation);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
            {
                // Slow first answer.
            }

            await Task.Delay(200, cancellation);
        }

        throw new TimeoutException($"{Name} did not answer {path} within {timeout}:\n{Tail()}");
    }

    /// <summary>Resident set size from /proc/&lt;pid&gt;/status (VmRSS), in bytes; null once the process is gone.</summary>
    public long? RssBytes() => ProcFs.RssBytes(process.Id);

    /// <summary>User + system CPU time the process has used so far.</summary>
    public TimeSpan CpuTime() => ProcFs.CpuTime(process.Id);

    public string Tail(int lines = 40)
    {
        try
        {
            return string.Join('\n', File.ReadLines(LogPath).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
                {
                    await term.WaitForExitAsync();
                }

                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                try
                {
                    await process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    process.Kill(entireProcessTree: true);
                    await process.WaitForExitAsync();
                }
            }
        }
        finally
        {
            ChildProcesses.Forget(process);
            process.Dispose();
        }
    }
}
