using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Payments.Host.Health;

/// <summary>
/// Probes for orchestrators and the proxy (docs/architecture.md, "Health probes"): <c>/health/live</c> checks nothing
/// but that the process answers, <c>/health/ready</c> runs the checks tagged <see cref="Ready"/>, <c>/health</c> runs
/// every check. Answers carry check names and statuses only: never an exception, a host or a connection string.
/// </summary>
public static class HealthEndpoints
{
    /// <summary>The tag of the checks a liveness probe runs: none today (a dependency down is no reason to restart).</summary>
    public const string Live = "live";

    /// <summary>The tag of the checks that decide whether this node takes traffic.</summary>
    public const string Ready = "ready";

    /// <summary>
    /// Every check that waits on PostgreSQL gives up after this: a hung database is a 503 within the proxy's probe
    /// timeout (2 s), not a probe hanging on Npgsql's 15 s connect timeout.
    /// </summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    public static IServiceCollection AddPaymentsHealthChecks(this IServiceCollection services)
    {
        services.AddSingleton<ReadinessLog>();
        // A probe runs every second or so on every node: the framework would log each failed check, with its
        // exception, as an error, every second for the length of an outage. ReadinessLog says when readiness changes.
        services.AddLogging(logging => logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.None));
        return services.AddHealthChecks()
            .AddCheck<PostgresHealthCheck>("postgres", HealthStatus.Unhealthy, [Ready], CheckTimeout)
            .AddCheck<SchemaHealthCheck>("schema", HealthStatus.Unhealthy, [Ready], CheckTimeout)
            .AddCheck<WolverineNodeHealthCheck>("wolverine_node", HealthStatus.Unhealthy, [Ready], CheckTimeout)
            .AddCheck<DurabilityAgentHealthCheck>("durability_agent", HealthStatus.Unhealthy, [Ready], CheckTimeout)
            .AddCheck<DrainingHealthCheck>("draining", HealthStatus.Unhealthy, [Ready], CheckTimeout)
            .Services;
    }

    /// <summary>
    /// <c>GET /health/live</c>, <c>GET /health/ready</c> and <c>GET /health</c> (every check): 200 when every check
    /// run is healthy, 503 otherwise. No API key, no rate limit, never cached.
    /// </summary>
    public static void MapPaymentsHealth(this WebApplication app)
    {
        Map(app, "/health", _ => true, readiness: false);
        Map(app, "/health/live", r => r.Tags.Contains(Live), readiness: false);
        Map(app, "/health/ready", r => r.Tags.Contains(Ready), readiness: true);
    }

    private static void Map(WebApplication app, string route, Func<HealthCheckRegistration, bool> predicate, bool readiness) =>
        app.MapGet(route, async (HealthCheckService health, ReadinessLog log, HttpContext http, CancellationToken cancellation) =>
            {
                var report = await health.CheckHealthAsync(predicate, cancellation);
                if (readiness)
                {
                    log.Observe(report);
                }

                http.Response.Headers.CacheControl = "no-store";
                return Results.Json(
                    new HealthAnswer(report.Status.ToString(), report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString())),
                    statusCode: report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
            })
            .AllowAnonymous()
            .DisableRateLimiting()
            .Produces<HealthAnswer>(StatusCodes.Status200OK)
            .Produces<HealthAnswer>(StatusCodes.Status503ServiceUnavailable);

    /// <summary>
    /// Runs <paramref name="probe"/> for at most <see cref="CheckTimeout"/>, whether or not what it awaits honours
    /// cancellation: healthy when it answers true, unhealthy when it answers false or runs out of time. A failure is
    /// thrown on: the health check service reports it as unhealthy (and its exception goes nowhere an answer goes).
    /// </summary>
    internal static Task<HealthCheckResult> Bounded(Func<CancellationToken, Task<bool>> probe, string failure, CancellationToken cancellation) =>
        Bounded(async token => await probe(token) ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy(failure), cancellation);

    /// <inheritdoc cref="Bounded(Func{CancellationToken, Task{bool}}, string, CancellationToken)"/>
    internal static async Task<HealthCheckResult> Bounded(Func<CancellationToken, Task<HealthCheckResult>> probe, CancellationToken cancellation)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        timeout.CancelAfter(CheckTimeout);
        try
        {
            return await probe(timeout.Token).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"no answer within {CheckTimeout.TotalSeconds:0} s");
        }
    }
}

/// <summary>What every probe answers: the overall status and each check's status, by name.</summary>
public sealed record HealthAnswer(string Status, Dictionary<string, string> Checks);

/// <summary>
/// Logs each change of readiness once, naming the checks that failed, instead of every failed probe. Not ready before
/// the first success (starting) is information; losing readiness is a warning.
/// </summary>
internal sealed partial class ReadinessLog(ILogger<ReadinessLog> logger)
{
    private const int Unknown = -1;
    private int _last = Unknown;

    public void Observe(HealthReport report)
    {
        var last = Interlocked.Exchange(ref _last, (int)report.Status);
        if (last == (int)report.Status)
        {
            return;
        }

        var failed = string.Join(", ", report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => e.Key));
        if (report.Status == HealthStatus.Healthy)
        {
            Ready();
        }
        else if (last == (int)HealthStatus.Healthy)
        {
            NoLongerReady(failed);
        }
        else
        {
            NotReadyYet(failed);
        }
    }

    [LoggerMessage(LogLevel.Information, "Ready: every readiness check is healthy")]
    private partial void Ready();

    [LoggerMessage(LogLevel.Warning, "No longer ready: {Checks} failed; /health/ready answers 503")]
    private partial void NoLongerReady(string checks);

    [LoggerMessage(LogLevel.Information, "Not ready: {Checks} failed; /health/ready answers 503")]
    private partial void NotReadyYet(string checks);
}
