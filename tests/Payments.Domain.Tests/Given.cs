using System.Text.Json;
using System.Text.Json.Serialization;
using Payments.Domain;

namespace Payments.Domain.Tests;

/// <summary>Histories that reach every status through real events, and the facts Checkout.com can send.</summary>
internal static class Given
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    public static readonly Guid PaymentId = Guid.Parse("0193b3a0-0000-7000-8000-000000000001");
    public static readonly Guid FirstRefund = Guid.Parse("0193b3a0-0000-7000-8000-0000000000f1");
    public const string CheckoutId = "pay_4gubyq2w335upc54dx7a4257lq";
    public const string Redirect = "https://sbapi.ckotech.co/knet-external/redirect/tok_tl6kftlhdpzephqelsbpyovl4i/pay";
    public const long Amount = 1000;

    public static KnetPaymentRequest ValidRequest => new()
    {
        Amount = Amount,
        Currency = "KWD",
        Reference = "ORD-5023-4E89",
        Language = "en",
        UserDefinedField1 = "first user defined field",
        SuccessUrl = "https://shop.example/ok",
        FailureUrl = "https://shop.example/fail",
    };

    public static readonly KnetDetails Details = new(
        "100201914315601265", "CAPTURED", null, "914310000349", "201914384388126", "B00775", "00", "0524", "N", null, null);

    public static DateTimeOffset At(int minutes) => T0.AddMinutes(minutes);

    public static IPaymentEvent[] History(PaymentStatus status)
    {
        IPaymentEvent requested = new PaymentRequested(PaymentId, ValidRequest, At(0));
        IPaymentEvent[] pending = [requested, new PaymentPending(PaymentId, CheckoutId, Redirect, At(1))];
        IPaymentEvent[] captured = [.. pending, new PaymentApproved(PaymentId, CheckoutId, "act_approve", At(2)),
            new PaymentCaptured(PaymentId, CheckoutId, "act_capture", Amount, "10000", At(3))];
        return status switch
        {
            PaymentStatus.Requested => [requested],
            PaymentStatus.Pending => pending,
            PaymentStatus.CapturePending => pending[..].Append(new PaymentApproved(PaymentId, CheckoutId, "act_approve", At(2))).ToArray(),
            PaymentStatus.Captured => captured,
            PaymentStatus.PartiallyRefunded => [.. captured, new RefundRequested(PaymentId, FirstRefund, 300, "r1", At(4)),
                new RefundSucceeded(PaymentId, FirstRefund, "act_r1", 300, At(5))],
            PaymentStatus.Refunded => [.. captured, new RefundRequested(PaymentId, FirstRefund, Amount, "r1", At(4)),
                new RefundSucceeded(PaymentId, FirstRefund, "act_r1", Amount, At(5))],
            PaymentStatus.Rejected => [requested, new PaymentRejected(PaymentId, 422, "request_invalid", ["amount_invalid"], "req_1", At(1))],
            PaymentStatus.Declined => [.. pending, new PaymentCaptureDeclined(PaymentId, CheckoutId, "act_d", "20005", "Declined", At(2))],
            PaymentStatus.Canceled => [.. pending, new PaymentCanceled(PaymentId, CheckoutId, "act_x", At(2))],
            PaymentStatus.Expired => [.. pending, new PaymentExpired(PaymentId, CheckoutId, "act_e", At(2))],
            _ => throw new ArgumentOutOfRangeException(nameof(status)),
        };
    }

    public static Payment Fold(IEnumerable<IPaymentEvent> events) =>
        events.Aggregate((Payment?)null, (state, e) => Payment.Evolve(state, e))
        ?? throw new InvalidOperationException("no events");

    public static Payment In(PaymentStatus status) => Fold(History(status));

    public static PaymentFlaggedForReview Flag(PaymentStatus status, int minutes = 30) =>
        new(PaymentId, "review requested by this service", status, "still undecided at Checkout.com after 6 checks", At(minutes));

    /// <summary>A payment in <paramref name="status"/> with one review flag on it.</summary>
    public static Payment Flagged(PaymentStatus status) => Fold([.. History(status), Flag(status)]);

    /// <summary>A representative fact or command for each payment trigger, with arguments that pass the guards.</summary>
    public static PaymentFact? FactFor(PaymentTrigger trigger) => trigger switch
    {
        PaymentTrigger.CheckoutAccepted => new PaymentFact.Accepted(CheckoutId, Redirect),
        PaymentTrigger.CheckoutRejected => new PaymentFact.Rejected(422, "request_invalid", ["amount_invalid"], "req_1"),
        PaymentTrigger.CheckoutDidNotAnswer => new PaymentFact.NoAnswer("timeout after 10 s"),
        PaymentTrigger.PendingReported => new PaymentFact.Pending(CheckoutId),
        PaymentTrigger.ApprovalReported => new PaymentFact.Approved(CheckoutId, "act_approve"),
        PaymentTrigger.CaptureReported => new PaymentFact.Captured(CheckoutId, "act_capture", Amount, "10000"),
        PaymentTrigger.CaptureDeclineReported => new PaymentFact.CaptureDeclined(CheckoutId, "act_d", "20005", "Declined"),
        PaymentTrigger.CancellationReported => new PaymentFact.Canceled(CheckoutId, "act_x"),
        PaymentTrigger.ExpiryReported => new PaymentFact.Expired(CheckoutId, "act_e"),
        PaymentTrigger.KnetDetailsReported => new PaymentFact.KnetDetailsReported(CheckoutId, Details),
        _ => null,
    };

    private static readonly JsonSerializerOptions JsonOptions = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Structural comparison of states (records holding lists compare lists by reference).</summary>
    public static string Json(object? value) => JsonSerializer.Serialize(value, JsonOptions);
}
