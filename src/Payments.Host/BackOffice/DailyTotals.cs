using System.Globalization;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;
using Payments.Domain;
using Payments.Host.Payments;
using Wolverine.Http;

namespace Payments.Host.BackOffice;

/// <summary>One day's payments in one currency: counts and amounts (fils) by outcome. The day is the event's own time (UTC).</summary>
public sealed class DailyTotals
{
    public string Id { get; set; } = "";
    public DateOnly Day { get; set; }
    public string Currency { get; set; } = Kwd.Currency;
    public int RequestedCount { get; set; }
    public long RequestedAmount { get; set; }
    public int CapturedCount { get; set; }
    public long CapturedAmount { get; set; }
    public int DeclinedCount { get; set; }
    public long DeclinedAmount { get; set; }
    public int CanceledCount { get; set; }
    public long CanceledAmount { get; set; }
    public int ExpiredCount { get; set; }
    public long ExpiredAmount { get; set; }
    public int RefundedCount { get; set; }
    public long RefundedAmount { get; set; }

    public static string Key(DateTimeOffset at) => $"{DateOnly.FromDateTime(at.UtcDateTime):yyyy-MM-dd}:{Kwd.Currency}";
}

/// <summary>
/// Async, across all payment streams. Uses the time recorded in each event, never the clock, so a rebuild writes the
/// same totals. KNET is KWD only, so the currency is KWD. Only payment streams are read and only payment events are
/// counted: Marten's Tombstone events and any type this version does not know pass by (docs/architecture.md, Projections).
/// </summary>
public partial class DailyTotalsProjection : MultiStreamProjection<DailyTotals, string>
{
    public DailyTotalsProjection()
    {
        FilterIncomingEventsOnStreamType(typeof(Payment));
        Identity<IPaymentEvent>(e => DailyTotals.Key(e.At));
    }

    public override DailyTotals Evolve(DailyTotals? snapshot, string id, IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var totals = snapshot ?? new DailyTotals
        {
            Id = id, Day = DateOnly.ParseExact(id[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture),
        };
        switch (e.Data)
        {
            case PaymentRequested r:
                totals.RequestedCount++;
                totals.RequestedAmount += r.Request.Amount;
                break;
            case PaymentCaptured c:
                totals.CapturedCount++;
                totals.CapturedAmount += c.Amount;
                break;
            case PaymentCaptureDeclined d:
                totals.DeclinedCount++;
                totals.DeclinedAmount += d.Amount;
                break;
            case PaymentCanceled x:
                totals.CanceledCount++;
                totals.CanceledAmount += x.Amount;
                break;
            case PaymentExpired x:
                totals.ExpiredCount++;
                totals.ExpiredAmount += x.Amount;
                break;
            case RefundSucceeded r:
                totals.RefundedCount++;
                totals.RefundedAmount += r.Amount;
                break;
        }

        return totals;
    }
}

/// <summary><c>GET /reports/daily?from=YYYY-MM-DD&amp;to=YYYY-MM-DD</c> (inclusive, at most 366 days): one row per day with activity.</summary>
public static class DailyReport
{
    [WolverineGet("/reports/daily")]
    public static async Task<IResult> Get(string? from, string? to, IQuerySession session, CancellationToken cancellation)
    {
        if (!TryParseRange(from, to, out var first, out var last))
        {
            return Problems.Of(StatusCodes.Status400BadRequest, "report_query_invalid", "from and to are days YYYY-MM-DD",
                "from ≤ to, at most 366 days apart.");
        }

        return Results.Ok(await ReadAsync(session, first, last, cancellation));
    }

    /// <summary>Days <c>YYYY-MM-DD</c>, from ≤ to, at most 366 days apart (inclusive).</summary>
    public static bool TryParseRange(string? from, string? to, out DateOnly first, out DateOnly last)
    {
        last = default;
        return DateOnly.TryParseExact(from, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out first)
            && DateOnly.TryParseExact(to, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out last)
            && last >= first && last.DayNumber - first.DayNumber <= MaxDays - 1;
    }

    public const int MaxDays = 366;

    /// <summary>The days with activity between <paramref name="first"/> and <paramref name="last"/>, in order.</summary>
    public static async Task<IReadOnlyList<DailyTotals>> ReadAsync(IQuerySession session, DateOnly first, DateOnly last, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        return await session.Query<DailyTotals>().Where(d => d.Day >= first && d.Day <= last).OrderBy(d => d.Day).ToListAsync(cancellation);
    }
}
