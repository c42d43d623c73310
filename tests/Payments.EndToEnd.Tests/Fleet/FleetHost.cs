using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Payments.EndToEnd.Tests.Fleet;

/// <summary>One line a host wrote: a JSON log entry (its own timestamp) or raw text (the time we read it).</summary>
public sealed record HostLogLine(string Host, DateTimeOffset At, string Stream, string? Level, string? Category, string Text, bool HasException)
{
    /// <summary>The whole entry as the JSON formatter wrote it (its scopes, its state); null for a text line.</summary>
    public string? Json { get; init; }
    /// <summary>The exception a JSON entry carries (type, message and stack), or null.</summary>
    public string? Exception { get; init; }

    /// <summary>An error or worse, an exception attached to any entry, anything on stderr, or a stack trace line.</summary>
    public bool IsFailure =>
        Stream == "stderr" || HasException || Level is "Error" or "Critical"
        || (Level is null && (Text.TrimStart().StartsWith("at ", StringComparison.Ordinal)
                              || Text.Contains("Exception", StringComparison.Ordinal)
                              || Text.StartsWith("fail:", StringComparison.Ordinal)
                              || Text.StartsWith("crit:", StringComparison.Ordinal)));

    public override string ToString() => $"{Host} {At:HH:mm:ss.fff} [{Stream}] {Text}";
}

/// <summary>How a host sent SIGTERM ended: its exit code, and the time from the signal to its exit.</summary>
public sealed record Termination(int ExitCode, TimeSpan Duration, DateTimeOffset ExitedAt);

/// <summary>
/// A real Payments.Host process (<c>dotnet Payments.Host.dll</c>) of a fleet: its port, its Wolverine node id (read
/// from its own log) and every line it wrote, kept in memory and in a log file beside the test assembly.
/// </summary>
public sealed class FleetHost : IDisposable
{
    private const int Sigterm = 15;

    private readonly Process _process;
    private readonly StreamWriter _file;
    private readonly Lock _gate = new();
    private readonly List<HostLogLine> _lines = [];
    private bool _closed;

    internal FleetHost(string name, int port, ProcessStartInfo start, string logPath)
    {
        Name = name;
        Url = new Uri($"http://127.0.0.1:{port}");
        LogPath = logPath;
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        _file = new StreamWriter(logPath, append: false) { AutoFlush = true };
        // A host's first request to each endpoint compiles its handler: seconds on a busy two-core machine.
        Client = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(120) };
        Client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {FleetOfHosts.AdminKey}");
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => Read("stdout", e.Data);
        _process.ErrorDataReceived += (_, e) => Read("stderr", e.Data);
        StartedAt = DateTimeOffset.UtcNow;
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }
    public Uri Url { get; }
    public string LogPath { get; }

    /// <summary>A client of this host, with the development admin key.</summary>
    public HttpClient Client { get; }

    public DateTimeOffset StartedAt { get; }

    /// <summary>When the test killed it (kill -9), or null while it runs.</summary>
    public DateTimeOffset? KilledAt { get; private set; }

    /// <summary>When the test sent it SIGTERM, or null.</summary>
    public DateTimeOffset? TerminatedAt { get; private set; }

    public bool Alive => KilledAt is null && !_process.HasExited;

    /// <summary>Sent SIGTERM and not yet gone: a load balancer sends it nothing new (the tests' senders neither).</summary>
    public bool Stopping => TerminatedAt is not null && Alive;

    /// <summary>Answered <c>/health</c> and registered its node; set by <see cref="WaitUntilReadyAsync"/>.</summary>
    public bool Ready { get; private set; }

    public int ProcessId => _process.Id;

    /// <summary>Wolverine's node id, from its "Starting agents for Node …" line; null until that line is written.</summary>
    public Guid? NodeId
    {
        get
        {
            lock (_gate)
            {
                return _lines.Where(l => l.Category == "Wolverine.Runtime.Agents.NodeAgentController"
                                         && l.Text.StartsWith("Starting agents for Node ", StringComparison.Ordinal))
                    .Select(l => Guid.Parse(l.Text.Split(' ')[4])).Cast<Guid?>().FirstOrDefault();
            }
        }
    }

    public IReadOnlyList<HostLogLine> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>SIGKILL on Linux: no shutdown hook runs, no transaction commits, no node row is deleted.</summary>
    public async Task KillAsync()
    {
        KilledAt = DateTimeOffset.UtcNow;
        Write($"---- killed (kill -9) at {KilledAt:O} by the test ----");
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _process.WaitForExitAsync(timeout.Token);
    }

    /// <summary>
    /// SIGTERM, as an orchestrator stops a process first (kill(2), so the signal is delivered before this returns its
    /// task); the task ends when the process has exited and its output is read, with its exit code and how long it took.
    /// </summary>
    public Task<Termination> TerminateAsync(TimeSpan timeout)
    {
        TerminatedAt = DateTimeOffset.UtcNow;
        Write($"---- SIGTERM at {TerminatedAt:O} by the test ----");
        var clock = Stopwatch.StartNew();
        if (Kill(_process.Id, Sigterm) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return ExitedAsync(clock, timeout);
    }

    private async Task<Termination> ExitedAsync(Stopwatch clock, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} was still running {timeout.TotalSeconds} s after SIGTERM; see {LogPath}");
        }

        var duration = clock.Elapsed;
        Write($"---- exited with code {_process.ExitCode} {duration.TotalSeconds:F2} s after SIGTERM ----");
        return new Termination(_process.ExitCode, duration, TerminatedAt!.Value + duration);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>Waits (bounded) until <c>/health</c> answers 200 and Wolverine has written its node id.</summary>
    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        await Eventually.Until(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"{Name} exited with code {_process.ExitCode} before it was ready; see {LogPath}:\n{string.Join('\n', Lines.TakeLast(30))}");
            }

            try
            {
                using var answer = await Client.GetAsync(new Uri("/health", UriKind.Relative));
                return answer.IsSuccessStatusCode && NodeId is not null;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, ready => ready, timeout);
        Ready = true;
    }

    private void Read(string stream, string? data)
    {
        if (data is null)
        {
            return;
        }

        Write(stream == "stderr" ? $"[stderr] {data}" : data);
        var line = Parse(stream, data);
        lock (_gate)
        {
            _lines.Add(line);
        }
    }

    private void Write(string text)
    {
        lock (_file)
        {
            if (!_closed)
            {
                _file.WriteLine(text);
            }
        }
    }

    private HostLogLine Parse(string stream, string data)
    {
        if (stream == "stdout" && data.StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(data);
                var root = json.RootElement;
                var at = DateTimeOffset.Parse(root.GetProperty("Timestamp").GetString()!, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal);
                var exception = root.TryGetProperty("Exception", out var e) && e.ValueKind == JsonValueKind.String
                                && !string.IsNullOrEmpty(e.GetString()) ? e.GetString() : null;
                return new HostLogLine(Name, at, stream, root.GetProperty("LogLevel").GetString(),
                    root.GetProperty("Category").GetString(), root.GetProperty("Message").GetString() ?? "", exception is not null)
                {
                    Exception = exception,
                    Json = data,
                };
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
            {
                // Not one of the formatter's entries: kept as text.
            }
        }

        return new HostLogLine(Name, DateTimeOffset.UtcNow, stream, null, null, data, false);
    }

    /// <summary>Kills the process if it still runs (always SIGKILL: the fleet is thrown away) and closes the log.</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started, or already gone.
        }

        _process.Dispose();
        Client.Dispose();
        lock (_file)
        {
            _closed = true;
            _file.Dispose();
        }
    }
}
