using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.EndToEnd.Tests.Fleet;
using Payments.Host.Health;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>What a probe answered, and how long it took.</summary>
public sealed record ProbeAnswer(HttpStatusCode Status, string Body, TimeSpan Took)
{
    public override string ToString() => $"{(int)Status} {Body} in {Took.TotalMilliseconds:F0} ms";
}

/// <summary>
/// A real host process (<c>dotnet Payments.Host.dll</c>) on a PostgreSQL cluster of the test's own
/// (<see cref="PrivatePostgres"/>), whose database the test stops, starts or freezes for real
/// (docs/architecture.md, "Health probes"): liveness never depends on it; readiness and the summary answer 503 naming
/// the failed checks, quickly, while it is away or hung, and 200 again once it is back; then a payment goes through.
/// </summary>
public abstract class HealthProbeTest(string schema) : IAsyncLifetime
{
    public const string Live = """{"status":"Healthy","checks":{}}""";

    public const string AllHealthy =
        """{"status":"Healthy","checks":{"postgres":"Healthy","schema":"Healthy","wolverine_node":"Healthy","durability_agent":"Healthy","draining":"Healthy"}}""";

    /// <summary>Every check that needs PostgreSQL failed; the host is not draining.</summary>
    public const string DatabaseAway =
        """{"status":"Unhealthy","checks":{"postgres":"Unhealthy","schema":"Unhealthy","wolverine_node":"Unhealthy","durability_agent":"Unhealthy","draining":"Healthy"}}""";

    /// <summary>
    /// How long a probe may take while the database is away or hung: the checks' own bound
    /// (<see cref="HealthEndpoints.CheckTimeout"/>, 2 s) plus slack for a loaded two-core machine. Unbounded, a probe
    /// would wait for Npgsql's 15 s connect timeout.
    /// </summary>
    public static readonly TimeSpan ProbeBound = HealthEndpoints.CheckTimeout + TimeSpan.FromSeconds(3);

    /// <summary>Back after a restart: the pool reconnects, Wolverine's node writes its heartbeat and leads again.</summary>
    protected static readonly TimeSpan Recovery = TimeSpan.FromSeconds(60);

    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(60) };
    private FleetOfHosts? _fleet;
    private PrivatePostgres? _postgres;

    protected PrivatePostgres Postgres => _postgres ?? throw new InvalidOperationException("The cluster has not started.");

    protected FleetHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        try
        {
            _postgres = await PrivatePostgres.StartNewAsync();
            _fleet = await FleetOfHosts.CreateAsync(Postgres.ConnectionString, schema);
            Host = (await _fleet.StartHostsAsync(1))[0];
            _probe.BaseAddress = Host.Url;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        _probe.Dispose();
        try
        {
            if (_fleet is not null)
            {
                await _fleet.DisposeAsync();
            }
        }
        finally
        {
            if (_postgres is not null)
            {
                await _postgres.DisposeAsync();
            }
        }
    }

    /// <summary>A probe as an orchestrator sends it: no API key.</summary>
    protected async Task<ProbeAnswer> Ask(string path)
    {
        var clock = Stopwatch.StartNew();
        using var answer = await _probe.GetAsync(new Uri(path, UriKind.Relative));
        var body = await answer.Content.ReadAsStringAsync();
        return new ProbeAnswer(answer.StatusCode, body, clock.Elapsed);
    }

    protected async Task EveryProbeAnswers(HttpStatusCode status, string readiness)
    {
        var live = await Ask("/health/live");
        var ready = await Ask("/health/ready");
        var summary = await Ask("/health");

        (live.Status, live.Body).ShouldBe((HttpStatusCode.OK, Live));
        (ready.Status, ready.Body).ShouldBe((status, readiness));
        (summary.Status, summary.Body).ShouldBe((status, readiness), "the summary runs every check, and live has none");
        TestContext.Current.SendDiagnosticMessage($"live {live}; ready {ready}; summary {summary}");
        new[] { live, ready, summary }.ShouldAllBe(a => a.Took <= ProbeBound, $"{live}; {ready}; {summary}");
    }

    /// <summary>Polls readiness (bounded) until it answers <paramref name="status"/>, each answer within <see cref="ProbeBound"/>.</summary>
    protected async Task ReadyBecomes(HttpStatusCode status, TimeSpan within)
    {
        var slow = new List<ProbeAnswer>();
        var clock = Stopwatch.StartNew();
        var last = await Eventually.Until(async () =>
        {
            var answer = await Ask("/health/ready");
            if (answer.Took > ProbeBound)
            {
                slow.Add(answer);
            }

            return answer;
        }, a => a.Status == status, within);
        TestContext.Current.SendDiagnosticMessage($"ready answered {last} after {clock.Elapsed.TotalSeconds:F1} s");
        slow.ShouldBeEmpty("every readiness probe answered within the bound");
    }

    /// <summary>A payment request through the host, with Checkout.com's sandbox behind it.</summary>
    protected async Task APaymentGoesThrough(string reference)
    {
        using var created = await Host.Client.PostAsJsonAsync(new Uri("/payments", UriKind.Relative), Wired.PaymentBody(1_500, reference));
        var body = await created.Content.ReadAsStringAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, body);
    }
}

[Collection(RealProcesses.Name)]
public sealed class when_the_database_of_a_running_host_stops_and_starts_again() : HealthProbeTest("health_probes_restart")
{
    [Fact]
    public async Task ready_is_503_while_it_is_down_and_200_once_it_is_back_and_live_never_changes()
    {
        await EveryProbeAnswers(HttpStatusCode.OK, AllHealthy);

        await Postgres.StopAsync();
        await ReadyBecomes(HttpStatusCode.ServiceUnavailable, within: TimeSpan.FromSeconds(10));
        await EveryProbeAnswers(HttpStatusCode.ServiceUnavailable, DatabaseAway);

        await Postgres.StartAsync();
        await ReadyBecomes(HttpStatusCode.OK, within: Recovery);
        await EveryProbeAnswers(HttpStatusCode.OK, AllHealthy);
        await APaymentGoesThrough("HEALTH-RESTART-1");
    }
}

[Collection(RealProcesses.Name)]
public sealed class when_the_database_of_a_running_host_hangs() : HealthProbeTest("health_probes_hang")
{
    [Fact]
    public async Task ready_is_503_within_the_check_timeout_and_200_once_it_answers_again()
    {
        await EveryProbeAnswers(HttpStatusCode.OK, AllHealthy);

        // Every PostgreSQL process stopped (SIGSTOP): connections are accepted by the kernel, nothing answers.
        await Postgres.FreezeAsync();
        await EveryProbeAnswers(HttpStatusCode.ServiceUnavailable, DatabaseAway);

        await Postgres.ThawAsync();
        await ReadyBecomes(HttpStatusCode.OK, within: Recovery);
        await EveryProbeAnswers(HttpStatusCode.OK, AllHealthy);
        await APaymentGoesThrough("HEALTH-HANG-1");
    }
}
