namespace Payments.Host.Reconciliation;

/// <summary>A capture or refund as this service recorded it: the event's stream, amount, time and cause.</summary>
public sealed record OurAction(
    Guid PaymentId, string CheckoutPaymentId, string Kind, string? ActionId, long Amount, DateTimeOffset RecordedAt, string? Cause);

/// <summary>One capture or refund as the reconciliation found it; amounts in fils.</summary>
public sealed record ReconciledAction(
    string Kind, string CheckoutPaymentId, string? ActionId, Guid? PaymentId, long? ReportedAmount, long? OurAmount,
    DateTimeOffset? ProcessedOn, string? Note);

/// <summary>A capture the report holds for a payment of ours that recorded none: applied as a fact through the machine.</summary>
public sealed record MissedCapture(Guid PaymentId, string CheckoutPaymentId, string ActionId, long Amount);

public sealed record MatchResult(
    IReadOnlyList<ReconciledAction> Matched, IReadOnlyList<ReconciledAction> MissingOnOurSide,
    IReadOnlyList<ReconciledAction> MissingOnTheirs, IReadOnlyList<ReconciledAction> AmountMismatches,
    IReadOnlyList<ReconciledAction> SettledOnAnotherDay, IReadOnlyList<MissedCapture> ToApply);

/// <summary>
/// Pure: the report's lines for a day against what we recorded, by Checkout.com payment id and action id
/// (docs/architecture.md, "Settlement reconciliation"). A capture we learnt from a report (its cause is
/// <see cref="CausePrefix"/>…) still counts as missing on our side, so a day re-run gives the same answer.
/// </summary>
public static class SettlementMatch
{
    public const string CausePrefix = "reconciliation:";
    public const string CaptureKind = "capture";
    public const string RefundKind = "refund";

    public static string Cause(string reportId) => CausePrefix + reportId;

    /// <param name="day">The settlement day.</param>
    /// <param name="reportId">The report read.</param>
    /// <param name="lines">The report's settled captures and refunds.</param>
    /// <param name="known">Checkout.com payment id → our payment id, for every payment of ours the report or the day names.</param>
    /// <param name="ours">Every capture and succeeded refund of those payments.</param>
    public static MatchResult Match(
        DateOnly day, string reportId, IReadOnlyList<SettledLine> lines, IReadOnlyDictionary<string, Guid> known,
        IReadOnlyList<OurAction> ours)
    {
        ArgumentNullException.ThrowIfNull(lines);
        ArgumentNullException.ThrowIfNull(known);
        ArgumentNullException.ThrowIfNull(ours);
        var matched = new List<ReconciledAction>();
        var missingOurs = new List<ReconciledAction>();
        var missingTheirs = new List<ReconciledAction>();
        var mismatches = new List<ReconciledAction>();
        var anotherDay = new List<ReconciledAction>();
        var apply = new List<MissedCapture>();
        var covered = new HashSet<OurAction>();

        foreach (var line in lines.OrderBy(l => l.CheckoutPaymentId, StringComparer.Ordinal).ThenBy(l => l.ActionId, StringComparer.Ordinal))
        {
            var kind = line.ActionType == SettlementCsv.Capture ? CaptureKind : RefundKind;
            ReconciledAction Entry(Guid? paymentId, long? ourAmount, string? note) =>
                new(kind, line.CheckoutPaymentId, line.ActionId, paymentId, line.Amount, ourAmount, line.ProcessedOn, note);

            if (!known.TryGetValue(line.CheckoutPaymentId, out var paymentId))
            {
                missingOurs.Add(Entry(null, null, "no payment of ours has this Checkout.com payment id: reported only"));
                continue;
            }

            // KNET captures once per payment: a capture we read from the payment details has no action id.
            var our = kind == CaptureKind
                ? ours.FirstOrDefault(o => o.PaymentId == paymentId && o.Kind == CaptureKind && (o.ActionId is null || o.ActionId == line.ActionId))
                : ours.FirstOrDefault(o => o.PaymentId == paymentId && o.Kind == RefundKind && o.ActionId == line.ActionId);
            if (our is not null)
            {
                covered.Add(our);
            }

            if (our is null && kind == RefundKind)
            {
                missingOurs.Add(Entry(paymentId, null, "no refund of ours succeeded under this action id: reported only"));
                continue;
            }

            if (our is null || our.Cause?.StartsWith(CausePrefix, StringComparison.Ordinal) == true)
            {
                // Ours is null here on every run: the capture recorded from the report is not one we had heard of.
                missingOurs.Add(Entry(paymentId, null, $"capture taken from report {reportId} through the payment machine"));
                if (our is null)
                {
                    apply.Add(new MissedCapture(paymentId, line.CheckoutPaymentId, line.ActionId, line.Amount));
                }

                continue;
            }

            var discrepant = false;
            if (our.Amount != line.Amount)
            {
                mismatches.Add(Entry(paymentId, our.Amount, $"reported {line.Amount} fils, recorded {our.Amount} fils"));
                discrepant = true;
            }

            var processedDay = DateOnly.FromDateTime(line.ProcessedOn.UtcDateTime);
            if (processedDay != day)
            {
                anotherDay.Add(Entry(paymentId, our.Amount, $"processed on {processedDay:yyyy-MM-dd}, settled on {day:yyyy-MM-dd}"));
                discrepant = true;
            }

            if (!discrepant)
            {
                matched.Add(Entry(paymentId, our.Amount, null));
            }
        }

        var (from, to) = Window(day);
        foreach (var our in ours
                     .Where(o => o.RecordedAt >= from && o.RecordedAt < to && !covered.Contains(o)
                                 && o.Cause?.StartsWith(CausePrefix, StringComparison.Ordinal) != true)
                     .OrderBy(o => o.CheckoutPaymentId, StringComparer.Ordinal).ThenBy(o => o.ActionId, StringComparer.Ordinal))
        {
            missingTheirs.Add(new ReconciledAction(our.Kind, our.CheckoutPaymentId, our.ActionId, our.PaymentId, null, our.Amount, null,
                $"recorded {our.RecordedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, not in the report of {day:yyyy-MM-dd}"));
        }

        return new MatchResult(matched, missingOurs, missingTheirs, mismatches, anotherDay, apply);
    }

    /// <summary>The UTC day as instants: [day 00:00, next day 00:00).</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Window(DateOnly day)
    {
        var from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return (from, from.AddDays(1));
    }
}
