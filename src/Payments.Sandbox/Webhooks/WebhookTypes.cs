namespace Payments.Sandbox.Webhooks;

/// <summary>The nine webhook types a KNET payment receives (checkout-knet-api.md §4.1).</summary>
public static class WebhookTypes
{
    public const string PaymentPending = "payment_pending";
    public const string CapturePending = "payment_capture_pending";
    public const string Captured = "payment_captured";
    public const string CaptureDeclined = "payment_capture_declined";
    public const string Canceled = "payment_canceled";
    public const string Expired = "payment_expired";
    public const string RefundPending = "payment_refund_pending";
    public const string Refunded = "payment_refunded";
    public const string RefundDeclined = "payment_refund_declined";
}
