using JasperFx.Events;
using Marten;
using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.Payments;

namespace Payments.Host.Reconciliation;

/// <summary>A run's result: the day's document (stored in the session), and whether Checkout.com could not be read.</summary>
public sealed record ReconcileOutcome(SettlementReconciliation Document, bool CheckoutUnavailable);

/// <summary>
/// Reconciles one settlement day: Checkout.com's report is read first, outside any transaction; then, in the caller's
/// session, our captures and refunds are read, matched, the captures we missed are applied as facts through the
/// machine under each stream's row lock (as <see cref="ApplyCheckoutFactHandler"/> does) with the report as their
/// cause, and the day's document is stored — one transaction when the caller saves (docs/architecture.md,
/// "Settlement reconciliation").
/// </summary>
public static class ReconcileDay
{
    public const string CaptureEvent = "payment_captured";
    public const string RefundEvent = "refund_succeeded";

    /// <summary>At most this many actions missing from a report are looked up in Checkout.com's financial actions.</summary>
    public const int MaxLookups = 100;

    public static string Id(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<ReconcileOutcome> RunAsync(
        DateOnly day, string cause, IDocumentSession session, CheckoutClient checkout, ReconciliationOptions options,
        DateTimeOffset now, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(checkout);
        ArgumentNullException.ThrowIfNull(options);
        var document = new SettlementReconciliation { Id = Id(day), Date = day, RanAt = now, Cause = cause };
        var read = await ReadReportAsync(day, checkout, options, cancellation);
        document.ReportId = read.ReportId;
        document.FileId = read.FileId;
        if (read.Unavailable is { } unavailable)
        {
            // A day already reconciled keeps its answer; a day never reconciled says why it is not.
            document.Error = unavailable;
            if (await session.LoadAsync<SettlementReconciliation>(document.Id, cancellation) is { } existing)
            {
                return new ReconcileOutcome(existing, true);
            }

            session.Store(document);
            return new ReconcileOutcome(document, true);
        }

        var (report, error) = SettlementCsv.Parse(read.File, day);
        if (report is null)
        {
            document.Error = error;
            session.Store(document);
            return new ReconcileOutcome(document, false);
        }

        var (known, ours) = await OursAsync(session, day, report.Lines, cancellation);
        var match = SettlementMatch.Match(day, read.ReportId!, report.Lines, known, ours);
        // Still outside any transaction: what Checkout.com's financial actions say of each action its report lacks (the
        // first MaxLookups of them: a report missing whole would otherwise cost a call per payment of the day).
        var missingOnTheirs = new List<ReconciledAction>();
        foreach (var entry in match.MissingOnTheirs)
        {
            missingOnTheirs.Add(entry with
            {
                Note = $"{entry.Note}; {(missingOnTheirs.Count < MaxLookups ? await FinancialActionAsync(checkout, entry, cancellation) : "not looked up")}",
            });
        }

        if (match.ToApply.Count > 0)
        {
            session.SetHeader(Causes.Header, SettlementMatch.Cause(read.ReportId!));
            foreach (var missed in match.ToApply)
            {
                await ApplyCaptureAsync(session, missed, now, cancellation);
            }
        }

        document.Rows = report.Rows;
        document.Matched = [.. match.Matched];
        document.MissingOnOurSide = [.. match.MissingOnOurSide];
        document.MissingOnTheirs = missingOnTheirs;
        document.AmountMismatches = [.. match.AmountMismatches];
        document.SettledOnAnotherDay = [.. match.SettledOnAnotherDay];
        document.Fees = [.. report.Fees.OrderBy(f => f.CheckoutPaymentId, StringComparer.Ordinal).ThenBy(f => f.ActionId, StringComparer.Ordinal).ThenBy(f => f.Type, StringComparer.Ordinal)];
        document.RejectedRows = [.. report.Rejected];
        session.Store(document);
        return new ReconcileOutcome(document, false);
    }

    private sealed record ReportRead(string? ReportId, string? FileId, byte[] File, string? Unavailable);

    /// <summary>The day's FinancialActions report (created when the day closed) and its CSV file.</summary>
    private static async Task<ReportRead> ReadReportAsync(DateOnly day, CheckoutClient checkout, ReconciliationOptions options, CancellationToken cancellation)
    {
        var (from, to) = SettlementMatch.Window(day);
        var listed = await checkout.ListReportsAsync(to, to.AddDays(1), cancellation);
        if (listed is not CheckoutAnswer<IReadOnlyList<ReportResponse>>.Ok { Value: var reports })
        {
            return new ReportRead(null, null, [], $"Checkout.com's reports could not be listed: {Describe(listed)}");
        }

        var report = reports.Where(r => r.Type == "FinancialActions" && r.From == from).OrderBy(r => r.Id, StringComparer.Ordinal).FirstOrDefault();
        if (report is null)
        {
            return new ReportRead(null, null, [], $"Checkout.com has no financial actions report for {Id(day)} yet");
        }

        var file = report.Files?.FirstOrDefault(f => string.Equals(f.Format, "CSV", StringComparison.OrdinalIgnoreCase));
        if (file is null)
        {
            return new ReportRead(report.Id, null, [], $"report {report.Id} has no CSV file");
        }

        return await checkout.GetReportFileAsync(report.Id, file.Id, options.MaxFileBytes, cancellation) is CheckoutAnswer<byte[]>.Ok { Value: var bytes }
            ? new ReportRead(report.Id, file.Id, bytes, null)
            : new ReportRead(report.Id, file.Id, [], $"report {report.Id}'s file {file.Id} could not be read");
    }

    /// <summary>Whether Checkout.com's Financial actions API holds the action (by its id, or the payment's capture).</summary>
    private static async Task<string> FinancialActionAsync(CheckoutClient checkout, ReconciledAction entry, CancellationToken cancellation)
    {
        var type = entry.Kind == SettlementMatch.CaptureKind ? SettlementCsv.Capture : SettlementCsv.Refund;
        return await checkout.GetFinancialActionsAsync(entry.CheckoutPaymentId, entry.ActionId, cancellation) switch
        {
            CheckoutAnswer<FinancialActionListResponse>.Ok { Value.Data: var actions }
                when actions?.Any(a => a.ActionType == type && (entry.ActionId is null || a.ActionId == entry.ActionId)) == true =>
                "Checkout.com lists it among its financial actions (settled on another day?)",
            CheckoutAnswer<FinancialActionListResponse>.Ok => "Checkout.com lists no such financial action",
            _ => "Checkout.com's financial actions could not be read",
        };
    }

    private static string Describe<T>(CheckoutAnswer<T> answer) => answer switch
    {
        CheckoutAnswer<T>.Unavailable u => u.Reason,
        CheckoutAnswer<T>.Refused r => $"refused with HTTP {r.Status}",
        _ => "no answer",
    };

    /// <summary>
    /// Our payments the report names, and the captures and succeeded refunds of those and of every payment that
    /// recorded one on the day (by the event's stored timestamp), each with its cause.
    /// </summary>
    private static async Task<(Dictionary<string, Guid> Known, List<OurAction> Ours)> OursAsync(
        IDocumentSession session, DateOnly day, IReadOnlyList<SettledLine> lines, CancellationToken cancellation)
    {
        var (from, to) = SettlementMatch.Window(day);
        var checkoutIds = lines.Select(l => l.CheckoutPaymentId).Distinct().ToArray();
        var payments = new List<Payment>();
        if (checkoutIds.Length > 0)
        {
            payments.AddRange(await session.Query<Payment>().Where(p => p.CheckoutPaymentId!.IsOneOf(checkoutIds)).ToListAsync(cancellation));
        }

        var dayStreams = (await session.Events.QueryAllRawEvents()
                .Where(e => e.Timestamp >= from && e.Timestamp < to && (e.EventTypeName == CaptureEvent || e.EventTypeName == RefundEvent))
                .ToListAsync(cancellation))
            .Select(e => e.StreamId).Distinct().Except(payments.Select(p => p.Id)).ToArray();
        if (dayStreams.Length > 0)
        {
            payments.AddRange(await session.LoadManyAsync<Payment>(cancellation, dayStreams));
        }

        var byId = payments.Where(p => p.CheckoutPaymentId is not null).ToDictionary(p => p.Id);
        var streams = byId.Keys.ToArray();
        var events = streams.Length == 0 ? [] : await session.Events.QueryAllRawEvents()
            .Where(e => e.StreamId.IsOneOf(streams) && (e.EventTypeName == CaptureEvent || e.EventTypeName == RefundEvent))
            .ToListAsync(cancellation);
        var ours = new List<OurAction>();
        foreach (var e in events)
        {
            var payment = byId[e.StreamId];
            var cause = e.Headers?.TryGetValue(Causes.Header, out var c) == true ? c?.ToString() : null;
            switch (e.Data)
            {
                case PaymentCaptured captured:
                    ours.Add(new OurAction(payment.Id, payment.CheckoutPaymentId!, SettlementMatch.CaptureKind, captured.ActionId, captured.Amount, e.Timestamp, cause));
                    break;
                case RefundSucceeded refunded:
                    ours.Add(new OurAction(payment.Id, payment.CheckoutPaymentId!, SettlementMatch.RefundKind,
                        refunded.ActionId ?? payment.FindRefund(refunded.RefundId)?.ActionId, refunded.Amount, e.Timestamp, cause));
                    break;
            }
        }

        return (byId.Values.ToDictionary(p => p.CheckoutPaymentId!, p => p.Id), ours);
    }

    /// <summary>
    /// The capture the report holds, as Checkout.com's fact, through the machine under the stream's row lock: a
    /// transition is applied, a contradiction flagged once (a re-run finds the flag and adds nothing), a duplicate
    /// changes nothing. Never a state set by hand.
    /// </summary>
    private static async Task ApplyCaptureAsync(IDocumentSession session, MissedCapture missed, DateTimeOffset now, CancellationToken cancellation)
    {
        var stream = await session.Events.FetchForExclusiveWriting<Payment>(missed.PaymentId, cancellation);
        if (stream.Aggregate is not { } payment)
        {
            return;
        }

        var fact = new PaymentFact.Captured(missed.CheckoutPaymentId, missed.ActionId, missed.Amount, null);
        if (payment.ReviewFlags.Exists(f => f.Fact == fact.ToString()))
        {
            return;
        }

        stream.AppendMany(PaymentDecider.Decide(payment, fact, now).Events);
    }
}
