using Payments.Domain;

namespace Payments.Host.Reconciliation;

/// <summary>
/// One settlement day reconciled against Checkout.com's financial actions report (a Marten document, id
/// <c>yyyy-MM-dd</c>): what matched and every discrepancy, with the report read and when (docs/architecture.md,
/// "Settlement reconciliation"). Re-running the day replaces it with the same content.
/// </summary>
public sealed class SettlementReconciliation
{
    public string Id { get; set; } = "";
    public DateOnly Date { get; set; }
    public string? ReportId { get; set; }
    public string? FileId { get; set; }
    public DateTimeOffset RanAt { get; set; }

    /// <summary>Who ran it: the scheduled job, the command, or an operator's request.</summary>
    public string Cause { get; set; } = "";

    /// <summary>Why the report could not be read (Checkout.com unavailable, no report yet, a file that is not a report).</summary>
    public string? Error { get; set; }

    /// <summary>Lines of the file read (the header not counted).</summary>
    public int Rows { get; set; }

    public List<ReconciledAction> Matched { get; set; } = [];
    public List<ReconciledAction> MissingOnOurSide { get; set; } = [];
    public List<ReconciledAction> MissingOnTheirs { get; set; } = [];
    public List<ReconciledAction> AmountMismatches { get; set; } = [];
    public List<ReconciledAction> SettledOnAnotherDay { get; set; } = [];
    public List<FeeLine> Fees { get; set; } = [];
    public List<RejectedRow> RejectedRows { get; set; } = [];

    /// <summary>Everything finance or an operator must look at; none means the day is clean.</summary>
    public IReadOnlyList<ReconciliationDiscrepancy> Discrepancies() =>
    [
        .. Error is null ? [] : new[] { new ReconciliationDiscrepancy(Date, "report_unreadable", null, null, null, Error, ReportId) },
        .. MissingOnOurSide.Select(a => Of("missing_on_our_side", a)),
        .. MissingOnTheirs.Select(a => Of("missing_on_theirs", a)),
        .. AmountMismatches.Select(a => Of("amount_mismatch", a)),
        .. SettledOnAnotherDay.Select(a => Of("settled_on_another_day", a)),
        .. Fees.Select(f => new ReconciliationDiscrepancy(Date, "fee", f.CheckoutPaymentId, f.ActionId, null,
            $"{f.Type}: {Kwd.Format(f.Amount)}", ReportId)),
        .. RejectedRows.Select(r => new ReconciliationDiscrepancy(Date, "rejected_row", null, null, null, $"line {r.Line}: {r.Reason}", ReportId)),
    ];

    private ReconciliationDiscrepancy Of(string kind, ReconciledAction a) =>
        new(Date, kind, a.CheckoutPaymentId, a.ActionId, a.PaymentId, $"{a.Kind}: {a.Note ?? ""}".TrimEnd(' ', ':'), ReportId);
}

/// <summary>One discrepancy of a reconciled day, as <c>GET /operations/attention</c> lists it.</summary>
public sealed record ReconciliationDiscrepancy(
    DateOnly Date, string Kind, string? CheckoutPaymentId, string? ActionId, Guid? PaymentId, string Detail, string? ReportId);
