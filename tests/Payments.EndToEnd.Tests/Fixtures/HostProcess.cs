using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;

namespace Payments.EndToEnd.Tests.Fixtures;

/// <summary>
/// The built Payments.Host (<c>dotnet src/Payments.Host/bin/&lt;Configuration&gt;/net10.0/Payments.Host.dll</c>) as a
/// separate process, as an operator or a script starts it: with the arguments and settings given and no setting
/// inherited from this test process; what it writes to standard output and to standard error kept apart, line by line.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _output = [];
    private readonly List<string> _errors = [];

    private HostProcess(IEnumerable<string> args, IReadOnlyDictionary<string, string> settings, string? workingDirectory)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(Dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Every .NET setting (Section__Key), ASP.NET Core's, the environment's name and OpenTelemetry's come from the test alone.
        foreach (var inherited in start.Environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal)
                     || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)
                     || k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        // No proxy to leave: a stopped process exits at once unless the test says otherwise.
        start.Environment["Shutdown__ReadinessDelay"] = "00:00:00";
        foreach (var (key, value) in settings)
        {
            start.Environment[key] = value;
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Add(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Add(_errors, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The host built beside this test assembly: same repository, same configuration (Release in CI).</summary>
    public static string Dll { get; } = FindDll();

    /// <summary>The repository's root (the folder of Payments.sln).</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    public int Id => _process.Id;

    public IReadOnlyList<string> Output => Read(_output);

    public IReadOnlyList<string> Errors => Read(_errors);

    public static HostProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string> settings, string? workingDirectory = null) =>
        new(args, settings, workingDirectory);

    /// <summary>Runs a command to its end (bounded): its exit code and both streams.</summary>
    public static async Task<(int ExitCode, IReadOnlyList<string> Output, IReadOnlyList<string> Errors)> RunAsync(
        IEnumerable<string> args, IReadOnlyDictionary<string, string> settings, string? workingDirectory = null)
    {
        await using var process = Start(args, settings, workingDirectory);
        var exitCode = await process.ExitAsync(TimeSpan.FromMinutes(3));
        return (exitCode, process.Output, process.Errors);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A line of the JSON console formatter: one JSON object.</summary>
    public static bool IsJsonEntry(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        try
        {
            using var entry = JsonDocument.Parse(line);
            return entry.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The messages of its JSON log entries.</summary>
    public IReadOnlyList<string> LogMessages() =>
    [
        .. Output.Where(IsJsonEntry).Select(line =>
        {
            using var entry = JsonDocument.Parse(line);
            return entry.RootElement.TryGetProperty("Message", out var message) ? message.GetString() ?? "" : "";
        }),
    ];

    /// <summary>Waits (bounded) until <c>GET /health</c> at <paramref name="url"/> answers 200; fails if the process ends first.</summary>
    public async Task WaitUntilHealthyAsync(Uri url, TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.Until(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException(
                    $"the host exited with code {_process.ExitCode} before it answered /health:\n{string.Join('\n', Output.Concat(Errors).TakeLast(30))}");
            }

            try
            {
                using var answer = await client.GetAsync(new Uri("/health", UriKind.Relative));
                return answer.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                return false;
            }
        }, healthy => healthy, timeout);
    }

    /// <summary>SIGTERM, as a service manager stops it; its exit code once it has stopped (bounded).</summary>
    public async Task<int> StopAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await ExitAsync(timeout);
    }

    /// <summary>The files this process has mapped into memory (Linux): the assemblies it has loaded among them.</summary>
    public async Task<string> MappedFilesAsync() => await File.ReadAllTextAsync($"/proc/{_process.Id}/maps");

    public ValueTask DisposeAsync()
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
            // Already gone.
        }

        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private async Task<int> ExitAsync(TimeSpan timeout)
    {
        using var bounded = new CancellationTokenSource(timeout);
        try
        {
            // Also waits until both streams are read to their end.
            await _process.WaitForExitAsync(bounded.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the host did not exit within {timeout}:\n{string.Join('\n', Output.Concat(Errors).TakeLast(30))}");
        }

        return _process.ExitCode;
    }

    private void Add(List<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            lines.Add(line);
        }
    }

    private IReadOnlyList<string> Read(List<string> lines)
    {
        lock (_gate)
        {
            return [.. lines];
        }
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Payments.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"No Payments.sln above {AppContext.BaseDirectory}.");
    }

    private static string FindDll()
    {
        var configuration = typeof(HostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var dll = Path.Combine(FindRoot(), "src", "Payments.Host", "bin", configuration, "net10.0", "Payments.Host.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build Payments.sln -c {configuration} first.");
    }
}
