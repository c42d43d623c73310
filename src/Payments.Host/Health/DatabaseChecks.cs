using Marten;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Weasel.Core.Migrations;
using Wolverine.Runtime;

namespace Payments.Host.Health;

/// <summary><c>postgres</c>: PostgreSQL answers a query on the event store's connection pool.</summary>
internal sealed class PostgresHealthCheck(IDocumentStore store) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        HealthEndpoints.Bounded(async token =>
        {
            await using var session = store.QuerySession();
            var answer = await session.QueryAsync<int>("select 1", token);
            return answer is [1];
        }, "unexpected answer", cancellationToken);
}

/// <summary>
/// <c>schema</c>: start-up has finished — it applies every schema change, Marten's
/// (<c>ApplyAllDatabaseChangesOnStartup</c>) and Wolverine's, before the host starts listening — and every table,
/// sequence and function Marten and Wolverine configure (their own lists: <c>AllObjects()</c>) still exists. One
/// statement of catalogue lookups (<c>to_regclass</c>, <c>pg_proc</c>): no locks, no schema diff (Weasel's would read
/// the catalogue column by column, every probe). A column changed by hand after start-up is not seen; a dropped
/// table, a dropped schema or a database restored without them is.
/// </summary>
internal sealed class SchemaHealthCheck(IDocumentStore store, IWolverineRuntime runtime, IHostApplicationLifetime lifetime) : IHealthCheck
{
    private const string Missing = """
        select coalesce(string_agg(missing.name, ', '), '') from (
            select rel.name from unnest(?::text[]) as rel(name) where to_regclass(rel.name) is null
            union all
            select fn.nsp || '.' || fn.name from unnest(?::text[], ?::text[]) as fn(nsp, name)
            where not exists (select from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = fn.nsp and p.proname = fn.name)
        ) as missing
        """;

    private readonly Lazy<(string[] Relations, string[] FunctionSchemas, string[] FunctionNames)> _objects = new(() =>
    {
        var all = store.Storage.AllObjects().Concat(runtime.Storage is IDatabase wolverine ? wolverine.AllObjects() : []).ToList();
        var functions = all.OfType<Weasel.Postgresql.Functions.Function>().Select(f => f.Identifier).Distinct().ToList();
        return ([.. all.Where(o => o is Weasel.Postgresql.Tables.Table or Weasel.Postgresql.Sequence).Select(o => o.Identifier.QualifiedName).Distinct(StringComparer.Ordinal)],
            [.. functions.Select(f => f.Schema)], [.. functions.Select(f => f.Name)]);
    });

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("start-up has not finished applying the schema"));
        }

        return HealthEndpoints.Bounded(async token =>
        {
            var (relations, functionSchemas, functionNames) = _objects.Value;
            await using var session = store.QuerySession();
            var missing = await session.QueryAsync<string>(Missing, token, relations, functionSchemas, functionNames);
            return missing is [""] ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"missing: {string.Join(", ", missing)}");
        }, cancellationToken);
    }
}
