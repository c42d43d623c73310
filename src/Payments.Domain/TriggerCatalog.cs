namespace Payments.Domain;

/// <summary>One trigger and what fires it at Checkout.com: an API answer, a webhook type, or our own command.</summary>
public sealed record TriggerSource(string Machine, string Trigger, string FiredBy, string? WebhookType);

/// <summary>
/// Which Checkout.com answer or webhook fires each trigger (checkout-knet-api.md §2–§4). The diagram's table is
/// generated from this; the webhook intake looks its types up here.
/// </summary>
public static class TriggerCatalog
{
    public static IReadOnlyList<TriggerSource> Payment { get; } =
    [
        Pay(PaymentTrigger.CheckoutAccepted, "`POST /payments` answered 202 `Pending` with `_links.redirect`"),
        Pay(PaymentTrigger.CheckoutRejected, "`POST /payments` answered 4xx (e.g. 422 `request_invalid` with `error_codes`)"),
        Pay(PaymentTrigger.CheckoutDidNotAnswer, "`POST /payments` timed out, answered 5xx, or the connection was refused"),
        Pay(PaymentTrigger.PendingReported, "webhook; `GET /payments/{id}` status `Pending`", "payment_pending"),
        Pay(PaymentTrigger.ApprovalReported, "webhook: the customer approved on the bank page", "payment_capture_pending"),
        Pay(PaymentTrigger.CaptureReported, "webhook; `GET /payments/{id}` status `Captured`", "payment_captured"),
        Pay(PaymentTrigger.CaptureDeclineReported, "webhook; `GET /payments/{id}` status `Declined`", "payment_capture_declined"),
        Pay(PaymentTrigger.CancellationReported, "webhook; `GET /payments/{id}` status `Canceled`", "payment_canceled"),
        Pay(PaymentTrigger.ExpiryReported, "webhook; `GET /payments/{id}` status `Expired`", "payment_expired"),
        Pay(PaymentTrigger.KnetDetailsReported, "`GET /payments/{id}`: `source.knet_payment_id`, `knet_result`, …"),
        Pay(PaymentTrigger.RefundRequested, "our command: the merchant's `POST /payments/{id}/refunds`"),
        Pay(PaymentTrigger.RefundSucceeded, "webhook, once the refund's own machine accepts it", "payment_refunded"),
        Pay(PaymentTrigger.SyncRequested, "operator: `POST /operations/payments/{id}/sync` (then `GET /payments/{id}`)"),
        Pay(PaymentTrigger.NoRecordFound, "operator: `POST /operations/payments/{id}/settle`; `GET /payments?reference=` finds none of ours"),
        Pay(PaymentTrigger.ChecksCancelRequested, "operator: `POST /operations/payments/{id}/checks/cancel`"),
        Pay(PaymentTrigger.ReviewClearRequested, "operator: `POST /operations/payments/{id}/review/clear`"),
    ];

    public static IReadOnlyList<TriggerSource> Refund { get; } =
    [
        Ref(RefundTrigger.CheckoutAccepted, "`POST /payments/{id}/refunds` answered 202 with `action_id`"),
        Ref(RefundTrigger.CheckoutRefused, "`POST /payments/{id}/refunds` answered 403 or 422"),
        Ref(RefundTrigger.CheckoutDidNotAnswer, "`POST /payments/{id}/refunds` timed out, answered 5xx, or was refused"),
        Ref(RefundTrigger.PendingReported, "webhook", "payment_refund_pending"),
        Ref(RefundTrigger.RefundReported, "webhook", "payment_refunded"),
        Ref(RefundTrigger.DeclineReported, "webhook (e.g. `response_code` 20006)", "payment_refund_declined"),
    ];

    /// <summary>The nine webhook types KNET payments receive (checkout-knet-api.md §4.1).</summary>
    public static IReadOnlyList<string> WebhookTypes { get; } =
        [.. Payment.Concat(Refund).Select(s => s.WebhookType).OfType<string>().Distinct()];

    private static TriggerSource Pay(PaymentTrigger trigger, string firedBy, string? webhook = null) =>
        new("payment", trigger.ToString(), firedBy, webhook);

    private static TriggerSource Ref(RefundTrigger trigger, string firedBy, string? webhook = null) =>
        new("refund", trigger.ToString(), firedBy, webhook);
}
