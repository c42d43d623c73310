using System.Globalization;
using Payments.Domain;

namespace Payments.Host.OperatorConsole.Pages;

/// <summary>How the payment pages show money and time: fils as KWD with three decimals, instants in UTC.</summary>
public static class PaymentText
{
    public static string Money(long amount, string currency) =>
        currency == Kwd.Currency ? ConsoleText.Money(amount) : string.Create(CultureInfo.InvariantCulture, $"{amount} {currency} (minor units)");

    public static string Time(DateTimeOffset at) => ConsoleText.Time(at);

    /// <summary>One line of what an event of the payment's stream says, for the timeline (no card data is in any).</summary>
    public static string Summary(object data, string currency) => data switch
    {
        PaymentRequested e => $"Requested {Money(e.Request.Amount, e.Request.Currency)}, reference {OrDash(e.Request.Reference)}",
        PaymentOutcomeUnknown e => $"Checkout.com did not answer: {e.Reason}",
        PaymentPending e => $"Created at Checkout.com as {e.CheckoutPaymentId}{(e.RedirectUrl is null ? "" : ", customer sent to KNET")}",
        PaymentRejected e => $"Refused by Checkout.com (HTTP {e.HttpStatus}{Codes(e.ErrorCodes)})",
        PaymentApproved => "Approved by the customer, capture pending",
        PaymentCaptured e => $"Captured {Money(e.Amount, currency)}",
        PaymentCaptureDeclined e => $"Capture declined ({OrDash(e.ResponseCode)} {OrDash(e.ResponseSummary)})",
        PaymentCanceled => "Canceled by the customer or failed on KNET's page",
        PaymentExpired => "Expired on KNET's page",
        KnetDetailsRecorded e => $"KNET's record: result {OrDash(e.Details.KnetResult)}, KNET payment id {OrDash(e.Details.KnetPaymentId)}",
        PaymentFlaggedForReview e => $"Flagged for review: {e.Reason}",
        PaymentSynced e => $"Synced by an operator: Checkout.com says {e.CheckoutStatus}",
        PaymentAbandoned => "Settled by an operator: Checkout.com has no record of the request, so it failed",
        FollowUpsCanceled => "Scheduled checks canceled by an operator",
        ReviewCleared e => $"Review cleared by an operator ({e.FlagsCleared} flag{(e.FlagsCleared == 1 ? "" : "s")})",
        RefundRequested e => $"Refund {Tail(e.RefundId)} of {Money(e.Amount, currency)} requested",
        RefundOutcomeUnknown e => $"Refund {Tail(e.RefundId)}: Checkout.com did not answer: {e.Reason}",
        RefundPending e => $"Refund {Tail(e.RefundId)} accepted by Checkout.com ({e.ActionId})",
        RefundSucceeded e => $"Refund {Tail(e.RefundId)} of {Money(e.Amount, currency)} succeeded",
        RefundDeclined e => $"Refund {Tail(e.RefundId)} declined ({OrDash(e.ResponseCode)} {OrDash(e.ResponseSummary)}{Codes(e.ErrorCodes)})",
        _ => data.GetType().Name,
    };

    /// <summary>The random end of an id (UUIDv7 begins with its time): enough to tell a payment's refunds apart.</summary>
    public static string Tail(Guid id) => id.ToString()[^8..];

    private static string Codes(IReadOnlyList<string> codes) => codes.Count == 0 ? "" : ": " + string.Join(", ", codes);

    public static string YesNo(bool value) => value ? "Yes" : "No";

    /// <summary>A stored text that may be absent: a dash, so an empty cell never reads as an empty string.</summary>
    public static string OrDash(string? text) => string.IsNullOrEmpty(text) ? "—" : text;
}
