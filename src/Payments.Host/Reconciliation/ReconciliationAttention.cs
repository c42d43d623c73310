using Marten;

namespace Payments.Host.Reconciliation;

/// <summary>The discrepancies <c>GET /operations/attention</c> lists: those of the days reconciled in the last week, newest day first.</summary>
public static class ReconciliationAttention
{
    public const int Days = 7;
    public const int Listed = 200;

    public static async Task<IReadOnlyList<ReconciliationDiscrepancy>> ListAsync(IQuerySession session, DateTimeOffset now, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        var since = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-Days);
        var days = await session.Query<SettlementReconciliation>().Where(r => r.Date >= since)
            .OrderByDescending(r => r.Date).ToListAsync(cancellation);
        return [.. days.SelectMany(d => d.Discrepancies()).Take(Listed)];
    }
}
