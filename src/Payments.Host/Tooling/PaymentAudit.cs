using System.Globalization;
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
        await using var session = store.QuerySession();
        var ids = await session.AdvancedSql.QueryAsync<Guid>(
            $"select id from {store.Options.Events.DatabaseSchemaName}.mt_streams order by id", cancellation);
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
