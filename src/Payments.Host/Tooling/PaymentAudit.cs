using System.Globalization;
using JasperFx.Events;
using Marten;
using Payments.Domain;
using Payments.Host.Payments;

namespace Payments.Host.Tooling;

/// <summary>Replays every payment stream in the store through <see cref="StreamAudit"/>.</summary>
public static class PaymentAudit
{
    public static async Task<IReadOnlyList<AuditFinding>> RunAsync(
        IDocumentStore store, DateTimeOffset now, TimeSpan deadline, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        // Payment streams only: mt_streams also holds Marten's own Tombstone stream, which has no type
        // (docs/architecture.md, Projections). The store's options are its event registry, which knows the alias.
        var paymentStreams = ((IEventRegistry)store.Options.Events).AggregateAliasFor(typeof(Payment));
        await using var session = store.QuerySession();
        var ids = await session.AdvancedSql.QueryAsync<Guid>(
            $"select id from {store.Options.Events.DatabaseSchemaName}.mt_streams where type = ? order by id", cancellation,
            paymentStreams);
        var findings = new List<AuditFinding>();
        foreach (var id in ids)
        {
            var events = await session.Events.FetchStreamAsync(id, token: cancellation);
            var audited = events.Select(e => new AuditedEvent(e.Data, e.Version, e.Timestamp,
                e.Headers is not null && e.Headers.TryGetValue(Causes.Header, out var cause)
                    ? Convert.ToString(cause, CultureInfo.InvariantCulture) : null)).ToList();
            findings.AddRange(StreamAudit.Check(id, audited, now, deadline));
        }

        return findings;
    }
}
