using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Payments.Sandbox.Api;

namespace Payments.Sandbox.Reports;

/// <summary>One line of an action's breakdown: <c>Gross</c> (the capture, or the refund as a negative amount) or a fee.</summary>
public sealed record SettledBreakdown(string Type, long Amount);

/// <summary>
/// A financial action as Checkout.com settles it: the capture or refund it performed, when it was processed, the day it
/// settles on and KNET's <c>post_date</c>. Amounts in minor units (fils); the wire writes them as decimals.
/// </summary>
public sealed record SettledAction(
    string PaymentId, string ActionId, string ActionType, string? Reference, string Currency, string? ProcessingChannelId,
    DateTimeOffset RequestedOn, DateTimeOffset ProcessedOn, DateOnly SettledOn, string? PostDate,
    IReadOnlyList<SettledBreakdown> Breakdown)
{
    public const string Capture = "Capture";
    public const string Refund = "Refund";
    public const string Gross = "Gross";
    public const string ProcessingFee = "Processing Fee";
}

/// <summary>
/// What the sandbox settled, in the order it happened: a capture when KNET captures, a refund when it completes. The
/// discrepancy faults in force at that moment are stamped on the line (docs/architecture.md, "Settlement
/// reconciliation"), so switching a fault off later does not rewrite a day already settled.
/// </summary>
public sealed class SettlementLedger(FaultState faults)
{
    private readonly Lock _gate = new();
    private readonly List<SettledAction> _lines = [];

    public IReadOnlyList<SettledAction> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public void Captured(SandboxPayment payment, PaymentAction capture)
    {
        ArgumentNullException.ThrowIfNull(payment);
        ArgumentNullException.ThrowIfNull(capture);
        var fault = faults.Current;
        var breakdown = new List<SettledBreakdown> { new(SettledAction.Gross, capture.Amount) };
        if (fault.FeePerCapture != 0)
        {
            breakdown.Add(new(SettledAction.ProcessingFee, -fault.FeePerCapture));
        }

        var line = new SettledAction(payment.Id, capture.Id, SettledAction.Capture, payment.Reference, payment.Currency,
            payment.ProcessingChannelId, payment.RequestedOn, capture.ProcessedOn,
            SettlementDay(capture.ProcessedOn, fault), payment.Source.PostDate, breakdown);
        lock (_gate)
        {
            _lines.Add(line);
            if (fault.SettleUnknownCapture)
            {
                // A capture of a payment nobody here requested: Checkout.com's record of something we never asked for.
                _lines.Add(line with
                {
                    PaymentId = Ids.New("pay"), ActionId = Ids.New("act"), Reference = "unknown-to-the-merchant",
                    Breakdown = [new(SettledAction.Gross, capture.Amount)],
                });
            }
        }
    }

    public void Refunded(SandboxPayment payment, PaymentAction refund)
    {
        ArgumentNullException.ThrowIfNull(payment);
        ArgumentNullException.ThrowIfNull(refund);
        var fault = faults.Current;
        var line = new SettledAction(payment.Id, refund.Id, SettledAction.Refund, refund.Reference ?? payment.Reference,
            payment.Currency, payment.ProcessingChannelId, refund.ProcessedOn, refund.ProcessedOn,
            SettlementDay(refund.ProcessedOn, fault), payment.Source.PostDate,
            [new(SettledAction.Gross, -(refund.Amount + fault.RefundAmountDifference))]);
        lock (_gate)
        {
            _lines.Add(line);
        }
    }

    /// <summary>The lines settled on <paramref name="day"/>, in the order they were settled.</summary>
    public IReadOnlyList<SettledAction> SettledOn(DateOnly day) => [.. Lines.Where(l => l.SettledOn == day)];

    private static DateOnly SettlementDay(DateTimeOffset processedOn, FaultOptions fault) =>
        DateOnly.FromDateTime(processedOn.UtcDateTime).AddDays(fault.SettlementDayShift);

    /// <summary>
    /// A Checkout.com-shaped id that is the same for the same name (<c>rpt_</c> + 26 base32 characters): a day's
    /// report keeps its id however often it is asked for.
    /// </summary>
    public static string StableId(string prefix, string name)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        var chars = new char[26];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = alphabet[hash[i] % alphabet.Length];
        }

        return $"{prefix}_{new string(chars)}";
    }

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
