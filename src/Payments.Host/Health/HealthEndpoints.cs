using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Payments.Host.Health;

public static class HealthEndpoints
{
    public static IServiceCollection AddPaymentsHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks().AddCheck<EventStoreHealthCheck>("event_store").Services;

    /// <summary><c>GET /health</c>: 200 when the event store answers, 503 otherwise, with each check's status.</summary>
    public static void MapPaymentsHealth(this WebApplication app) =>
        app.MapGet("/health", async (HealthCheckService health, CancellationToken cancellation) =>
            {
                var report = await health.CheckHealthAsync(cancellation);
                return Results.Json(
                    new HealthAnswer(report.Status.ToString(), report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString())),
                    statusCode: report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
            })
            .Produces<HealthAnswer>(StatusCodes.Status200OK)
            .Produces<HealthAnswer>(StatusCodes.Status503ServiceUnavailable);
}

public sealed record HealthAnswer(string Status, Dictionary<string, string> Checks);

/// <summary>The service is healthy when PostgreSQL answers a query on the event store's connection.</summary>
internal sealed class EventStoreHealthCheck(IDocumentStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var session = store.QuerySession();
            var answer = await session.QueryAsync<int>("select 1", cancellationToken);
            return answer.Count == 1 ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("unexpected answer");
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("PostgreSQL did not answer", e);
        }
    }
}
