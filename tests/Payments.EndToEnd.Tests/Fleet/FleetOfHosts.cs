extern alias sandbox;

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using sandbox::Payments.Sandbox;
using sandbox::Payments.Sandbox.Webhooks;

namespace Payments.EndToEnd.Tests.Fleet;

/// <summary>A webhook exactly as the Checkout.com sandbox built and signed it (its delivery is off: the test delivers it).</summary>
public sealed record SandboxWebhook(string EventId, string Type, byte[] Body, string Signature);

/// <summary>A payment requested through the service and captured at the sandbox, with the sandbox's webhooks for it.</summary>
public sealed record CapturedPayment(Guid Id, string CheckoutPaymentId, long Amount, IReadOnlyList<SandboxWebhook> Webhooks);

/// <summary>One row of <c>mt_events</c>, as the tests read it: alias and the <c>cause</c> header.</summary>
public sealed record StoredEvent(Guid StreamId, long Version, string Type, string? Cause);

/// <summary>The fields of a stored <c>CheckoutWebhook</c> these tests check.</summary>
public sealed record StoredWebhook(string Id, string Type, long Sequence, string Processing, int Deliveries);

/// <summary>What the fleet's tables say: the live node rows and which node holds each agent.</summary>
public sealed record FleetState(IReadOnlyList<Guid> Nodes, IReadOnlyDictionary<string, Guid> Assignments)
{
    public const string LeaderAgent = "wolverine://leader/";

    public Guid? Leader => Assignments.TryGetValue(LeaderAgent, out var node) ? node : null;

    public override string ToString() =>
        $"nodes [{string.Join(", ", Nodes)}]; assignments [{string.Join(", ", Assignments.Select(a => $"{a.Key} → {a.Value}"))}]";
}

/// <summary>From a kill -9 until the fleet had settled again (plus one assignment period): failures logged in it are the kill's.</summary>
public sealed record KillWindow(string Host, DateTimeOffset From, DateTimeOffset? To);

/// <summary>
/// Several real Payments.Host processes sharing one schema (docs/architecture.md, "A fleet"), so a kill is a real
/// kill -9: each runs <c>src/Payments.Host/bin/&lt;Configuration&gt;/net10.0/Payments.Host.dll</c>, built with the
/// solution, on its own loopback port, with the short fleet timings below; an in-process Checkout.com sandbox whose
/// webhook delivery is off, so the test delivers its signed webhooks to the hosts it chooses. The schema is dropped
/// before the fleet starts. Every process is killed on dispose, whatever happened.
/// </summary>
public sealed class FleetOfHosts : IAsyncDisposable
{
    public const string AdminKey = "pk_dev_admin_c57a90d2";
    public const string SecretKey = "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e";
    public const string SignatureKey = "whsec_fleet_signature_key";
    public const string Channel = "pc_aaaaaaaaaaaaaaaaaaaaaaaaaa";

    public static readonly TimeSpan HealthCheckPollingTime = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan StaleNodeTimeout = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan CheckAssignmentPeriod = TimeSpan.FromSeconds(1);

    /// <summary>Three hosts compile their handlers at once on a two-core machine: starting is slow, not stuck.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly List<FleetHost> _hosts = [];
    private readonly List<KillWindow> _kills = [];
    private readonly Lock _gate = new();
    private readonly WebApplication? _sandbox;
    private readonly string? _sandboxUrl;
    private readonly string _logDirectory;
    private readonly IReadOnlyDictionary<string, string> _settings;
    private int _started;

    private FleetOfHosts(string connectionString, string schema, WebApplication? sandbox, string? sandboxUrl, IReadOnlyDictionary<string, string>? settings)
    {
        ConnectionString = connectionString;
        Schema = schema;
        _sandbox = sandbox;
        _sandboxUrl = sandboxUrl;
        _settings = settings ?? new Dictionary<string, string>();
        _logDirectory = Path.Combine(AppContext.BaseDirectory, "fleet-logs", schema);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillEverything();
    }

    public string ConnectionString { get; }
    public string Schema { get; }

    public IReadOnlyList<FleetHost> Hosts
    {
        get
        {
            lock (_gate)
            {
                return [.. _hosts];
            }
        }
    }

    public IReadOnlyList<FleetHost> Live => [.. Hosts.Where(h => h.Alive)];

    public IReadOnlyList<KillWindow> Kills
    {
        get
        {
            lock (_gate)
            {
                return [.. _kills];
            }
        }
    }

    /// <summary>The host whose node holds <c>wolverine://leader/</c> now, or null.</summary>
    public FleetHost? HostOf(Guid? node) => node is null ? null : Hosts.SingleOrDefault(h => h.NodeId == node);

    /// <summary>
    /// A fresh schema (dropped first), and the sandbox when the test needs Checkout.com; <paramref name="settings"/>
    /// (environment variables) are given to every host after the fleet's own, and replace them.
    /// </summary>
    public static Task<FleetOfHosts> CreateAsync(
        PostgresDatabase database, string schema, bool sandbox = true, IReadOnlyDictionary<string, string>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        return CreateAsync(database.ConnectionString, schema, sandbox, settings);
    }

    /// <summary>The same on another server (a test's own cluster: <see cref="Fixtures.PrivatePostgres"/>).</summary>
    public static async Task<FleetOfHosts> CreateAsync(
        string connectionString, string schema, bool sandbox = true, IReadOnlyDictionary<string, string>? settings = null)
    {
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"drop schema if exists {schema} cascade", connection);
            await drop.ExecuteNonQueryAsync();
        }

        if (!sandbox)
        {
            return new FleetOfHosts(connectionString, schema, null, null, settings);
        }

        var app = SandboxApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Sandbox:SecretKey"] = SecretKey,
                ["Sandbox:WebhookSignatureKey"] = SignatureKey,
                ["Sandbox:WebhookUrl"] = "",
            });
            builder.Logging.ClearProviders();
        });
        await app.StartAsync();
        return new FleetOfHosts(connectionString, schema, app, app.Urls.Single(), settings);
    }

    /// <summary>Starts <paramref name="count"/> hosts at the same moment and waits (bounded) until each is ready.</summary>
    public async Task<IReadOnlyList<FleetHost>> StartHostsAsync(int count)
    {
        var hosts = Enumerable.Range(0, count).Select(_ => StartHost()).ToList();
        await Task.WhenAll(hosts.Select(h => h.WaitUntilReadyAsync(StartTimeout)));
        return hosts;
    }

    /// <summary>
    /// Starts one host process, with <paramref name="environment"/> added to (or replacing) the fleet's settings;
    /// <see cref="FleetHost.WaitUntilReadyAsync"/> waits for it.
    /// </summary>
    public FleetHost StartHost(IReadOnlyDictionary<string, string>? environment = null)
    {
        var name = $"h{Interlocked.Increment(ref _started)}";
        var port = FreePort();
        var dll = HostDll();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);

        // Every .NET setting (Section__Key), ASP.NET Core's, the environment's name and OpenTelemetry's come from the
        // fleet alone: in-process stacks of other tests set theirs in this process's environment meanwhile.
        foreach (var inherited in start.Environment.Keys.Where(k => k.Contains("__", StringComparison.Ordinal)
                     || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal)
                     || k.StartsWith("OTEL_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(inherited);
        }

        var connection = new NpgsqlConnectionStringBuilder(ConnectionString) { ApplicationName = $"{Schema}-{name}" };
        foreach (var (key, value) in new Dictionary<string, string>
                 {
                     ["ConnectionStrings__Payments"] = connection.ConnectionString,
                     ["EventStore__Schema"] = Schema,
                     ["EventStore__SchedulerPolling"] = "00:00:00.200",
                     ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                     ["ASPNETCORE_ENVIRONMENT"] = "Development",
                     // No sandbox: an address where nothing listens (the test does not need Checkout.com).
                     ["Checkout__BaseUrl"] = _sandboxUrl ?? "http://127.0.0.1:9",
                     ["Checkout__SecretKey"] = SecretKey,
                     ["Checkout__ProcessingChannelId"] = Channel,
                     ["Checkout__WebhookSignatureKey"] = SignatureKey,
                     // Not a test of Checkout.com's timeouts: an in-process sandbox on a busy two-core machine can take
                     // seconds to answer a cold first call, and a retried timeout is logged as an error by Polly.
                     ["Checkout__AttemptTimeout"] = "00:00:10",
                     ["Checkout__TotalTimeout"] = "00:00:30",
                     ["Checkout__MaxRetryAttempts"] = "1",
                     ["Fleet__HealthCheckPollingTime"] = HealthCheckPollingTime.ToString("c"),
                     ["Fleet__StaleNodeTimeout"] = StaleNodeTimeout.ToString("c"),
                     ["Fleet__CheckAssignmentPeriod"] = CheckAssignmentPeriod.ToString("c"),
                     ["RateLimits__PermitsPerWindow"] = "100000",
                     // A fleet test stops a host to see it stop; the wait to leave a proxy's rotation is tested alone.
                     ["Shutdown__ReadinessDelay"] = "00:00:00",
                     // One JSON entry a line, UTC timestamps: failures are found and placed in time exactly.
                     ["Logging__Console__FormatterName"] = "json",
                     ["Logging__Console__FormatterOptions__TimestampFormat"] = "yyyy-MM-ddTHH:mm:ss.fffZ",
                     ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
                     // Its "Starting agents for Node <id>" line tells which process is which Wolverine node.
                     ["Logging__LogLevel__Wolverine.Runtime.Agents.NodeAgentController"] = "Information",
                     ["DOTNET_NOLOGO"] = "1",
                 }.Concat(_settings))
        {
            start.Environment[key] = value;
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var host = new FleetHost(name, port, start, Path.Combine(_logDirectory, $"{name}.log"));
        lock (_gate)
        {
            _hosts.Add(host);
        }

        return host;
    }

    /// <summary>kill -9, and the start of its window in the logs (closed by the next <see cref="SettledAsync"/>).</summary>
    public async Task KillAsync(FleetHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        await host.KillAsync();
        lock (_gate)
        {
            _kills.Add(new KillWindow(host.Name, host.KilledAt!.Value, null));
        }
    }

    /// <summary>The agents a settled fleet runs: the leader, the durability agent of our schema, each async projection.</summary>
    public bool HoldsExactlyTheAgents(FleetState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var agents = state.Assignments.Keys.ToList();
        return agents.Count == 4
               && agents.Contains(FleetState.LeaderAgent)
               && agents.Count(a => a.StartsWith("wolverinedb://postgresql/", StringComparison.Ordinal) && a.EndsWith($"/{Schema}", StringComparison.Ordinal)) == 1
               && agents.Count(a => a.StartsWith("event-subscriptions://marten/main/", StringComparison.Ordinal) && a.EndsWith("/dailytotals/all", StringComparison.Ordinal)) == 1
               && agents.Count(a => a.StartsWith("event-subscriptions://marten/main/", StringComparison.Ordinal) && a.EndsWith("/attentionitem/all", StringComparison.Ordinal)) == 1;
    }

    /// <summary>
    /// Settled: the node rows are exactly the live, ready hosts (a dead node's row deleted by the leader), and every
    /// agent is assigned, once, to one of them. Waits (bounded); closes the windows of the kills before it.
    /// </summary>
    public async Task<FleetState> SettledAsync(TimeSpan timeout)
    {
        var state = await Eventually.Until(StateAsync, state =>
        {
            var live = Live.Where(h => h.NodeId is not null).Select(h => h.NodeId!.Value).ToHashSet();
            return live.Count > 0 && state.Nodes.ToHashSet().SetEquals(live)
                   && HoldsExactlyTheAgents(state) && state.Assignments.Values.All(live.Contains);
        }, timeout);
        var to = DateTimeOffset.UtcNow + CheckAssignmentPeriod;
        lock (_gate)
        {
            for (var i = 0; i < _kills.Count; i++)
            {
                _kills[i] = _kills[i] with { To = _kills[i].To ?? to };
            }
        }

        return state;
    }

    public async Task<FleetState> StateAsync()
    {
        await using var connection = await OpenAsync();
        var nodes = new List<Guid>();
        await using (var read = new NpgsqlCommand($"select id from {Schema}.wolverine_nodes", connection))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                nodes.Add(reader.GetGuid(0));
            }
        }

        var assignments = new Dictionary<string, Guid>(StringComparer.Ordinal);
        await using (var read = new NpgsqlCommand($"select id, node_id from {Schema}.wolverine_node_assignments", connection))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                assignments[reader.GetString(0)] = reader.GetGuid(1);
            }
        }

        return new FleetState(nodes, assignments);
    }

    /// <summary>
    /// Every failure in every host's log (an error or critical entry, an exception, a stack trace, anything on stderr)
    /// that no kill explains. A kill explains a failure logged by a host that was running when the kill happened,
    /// between the kill -9 and the moment the fleet was next seen settled plus one assignment period; a window the
    /// fleet never closed excuses nothing after the kill's own moment, and a host started after a kill gets no excuse.
    /// </summary>
    public IReadOnlyList<HostLogLine> FailuresOutsideKillWindows()
    {
        var kills = Kills;
        var hosts = Hosts.ToDictionary(h => h.Name);
        return [.. hosts.Values.SelectMany(h => h.Lines).Where(l => l.IsFailure
            && !kills.Any(k => hosts[l.Host].StartedAt < k.From && l.At >= k.From && l.At <= (k.To ?? k.From)))];
    }

    /// <summary>Every failure in every host's log, kills or not.</summary>
    public IReadOnlyList<HostLogLine> Failures() => [.. Hosts.SelectMany(h => h.Lines).Where(l => l.IsFailure)];

    /// <summary>Messages Wolverine gave up on: none, ever, in these tests.</summary>
    public async Task<long> DeadLettersAsync()
    {
        await using var connection = await OpenAsync();
        await using var count = new NpgsqlCommand($"select count(*) from {Schema}.wolverine_dead_letters", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    public string LogFiles => string.Join(", ", Hosts.Select(h => h.LogPath));

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The events of these streams, in stream order, with their alias and cause.</summary>
    public async Task<IReadOnlyList<StoredEvent>> EventsAsync(IReadOnlyCollection<Guid> streams)
    {
        await using var connection = await OpenAsync();
        await using var read = new NpgsqlCommand(
            $"select stream_id, version, type, headers->>'cause' from {Schema}.mt_events where stream_id = any(@streams) order by stream_id, version",
            connection);
        read.Parameters.AddWithValue("streams", streams.ToArray());
        var events = new List<StoredEvent>();
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            events.Add(new StoredEvent(reader.GetGuid(0), reader.GetInt64(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3)));
        }

        return events;
    }

    /// <summary>The stored webhooks, by event id.</summary>
    public async Task<IReadOnlyDictionary<string, StoredWebhook>> WebhooksAsync()
    {
        await using var connection = await OpenAsync();
        await using var read = new NpgsqlCommand(
            $"select id, data->>'Type', (data->>'Sequence')::bigint, data->>'Processing', (data->>'Deliveries')::int from {Schema}.mt_doc_checkoutwebhook",
            connection);
        var webhooks = new Dictionary<string, StoredWebhook>(StringComparer.Ordinal);
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            webhooks[reader.GetString(0)] = new StoredWebhook(reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetInt32(4));
        }

        return webhooks;
    }

    /// <summary>Today's (and yesterday's, for a run across midnight UTC) daily totals through <c>GET /reports/daily</c>.</summary>
    public static async Task<(int Requested, int Captured, long CapturedAmount)> DailyTotalsAsync(FleetHost via)
    {
        ArgumentNullException.ThrowIfNull(via);
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var days = await via.Client.GetFromJsonAsync<JsonElement>(
            $"/reports/daily?from={today.AddDays(-1):yyyy-MM-dd}&to={today:yyyy-MM-dd}");
        var rows = days.EnumerateArray().ToList();
        return (rows.Sum(d => d.GetProperty("requestedCount").GetInt32()), rows.Sum(d => d.GetProperty("capturedCount").GetInt32()),
            rows.Sum(d => d.GetProperty("capturedAmount").GetInt64()));
    }

    /// <summary>
    /// A payment requested through <paramref name="via"/> (so Checkout.com knows it), then paid at the sandbox; returns
    /// the webhooks the sandbox signed for it, in the order it would send them.
    /// </summary>
    public async Task<CapturedPayment> CreateCapturedPaymentAsync(FleetHost via, long amount, string reference)
    {
        ArgumentNullException.ThrowIfNull(via);
        var body = Wired.PaymentBody(amount, reference);
        using var created = await via.Client.PostAsJsonAsync(new Uri("/payments", UriKind.Relative), body);
        if (!created.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST /payments on {via.Name}: {(int)created.StatusCode} {await created.Content.ReadAsStringAsync()}");
        }

        var payment = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = payment.GetProperty("id").GetGuid();
        var checkoutId = payment.GetProperty("checkoutPaymentId").GetString()!;

        using var sandbox = new HttpClient { BaseAddress = new Uri(_sandboxUrl ?? throw new InvalidOperationException("This fleet has no sandbox.")) };
        using var completed = await sandbox.PostAsJsonAsync(new Uri($"/_sandbox/payments/{checkoutId}/complete", UriKind.Relative), new { outcome = "captured" });
        if (!completed.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"completing {checkoutId} at the sandbox: {(int)completed.StatusCode} {await completed.Content.ReadAsStringAsync()}");
        }

        var webhooks = _sandbox!.Services.GetRequiredService<WebhookDispatcher>().Deliveries
            .Where(d => d.PaymentId == checkoutId)
            .Select(d => new SandboxWebhook(d.EventId, d.Type, d.Body, d.Signature)).ToList();
        return new CapturedPayment(id, checkoutId, amount, webhooks);
    }

    /// <summary>Delivers a webhook as Checkout.com does; the status code, or null when the host did not answer.</summary>
    public static async Task<HttpStatusCode?> DeliverAsync(FleetHost host, SandboxWebhook webhook)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(webhook);
        using var content = new ByteArrayContent(webhook.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/webhooks/checkout", UriKind.Relative)) { Content = content };
        request.Headers.TryAddWithoutValidation("Cko-Signature", webhook.Signature);
        try
        {
            using var answer = await host.Client.SendAsync(request);
            return answer.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (TaskCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        KillEverything();
        if (_sandbox is not null)
        {
            await _sandbox.StopAsync();
            await _sandbox.DisposeAsync();
        }
    }

    private void KillEverything()
    {
        foreach (var host in Hosts)
        {
            try
            {
                host.Dispose();
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The host built beside this test assembly: same repository, same configuration (Release in CI).</summary>
    internal static string HostDll()
    {
        var configuration = typeof(FleetOfHosts).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Payments.sln")))
        {
            directory = directory.Parent;
        }

        var dll = Path.Combine(directory?.FullName ?? throw new InvalidOperationException($"No Payments.sln above {AppContext.BaseDirectory}."),
            "src", "Payments.Host", "bin", configuration, "net10.0", "Payments.Host.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} is missing: build Payments.sln -c {configuration} first.");
    }
}
