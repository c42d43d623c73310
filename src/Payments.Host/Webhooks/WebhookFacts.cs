using System.Text.Json;
using Payments.Domain;
using Payments.Host.Checkout;

namespace Payments.Host.Webhooks;

/// <summary>The nine KNET webhook types (checkout-knet-api.md §4.1), read into the facts the decisions take.</summary>
public static class WebhookFacts
{
    /// <summary>A <see cref="PaymentFact"/> or <see cref="RefundFact"/>; null for a type KNET payments do not use.</summary>
    public static object? From(string type, JsonElement data)
    {
        var checkoutId = Text(data, "id") ?? "";
        var actionId = Text(data, "action_id");
        return type switch
        {
            "payment_pending" => new PaymentFact.Pending(checkoutId),
            "payment_capture_pending" => new PaymentFact.Approved(checkoutId, actionId),
            "payment_captured" => new PaymentFact.Captured(checkoutId, actionId, Amount(data), Text(data, "response_code")),
            "payment_capture_declined" => new PaymentFact.CaptureDeclined(checkoutId, actionId, Text(data, "response_code"), Text(data, "response_summary")),
            "payment_canceled" or "payment_cancelled" => new PaymentFact.Canceled(checkoutId, actionId),
            "payment_expired" => new PaymentFact.Expired(checkoutId, actionId),
            "payment_refund_pending" => new RefundFact.Pending(checkoutId, actionId ?? "", RefundId(data)),
            "payment_refunded" => new RefundFact.Refunded(checkoutId, actionId ?? "", RefundId(data), Amount(data)),
            "payment_refund_declined" => new RefundFact.Declined(checkoutId, actionId ?? "", RefundId(data), Text(data, "response_code"), Text(data, "response_summary")),
            _ => null,
        };
    }

    /// <summary>Our payment id, from the metadata we sent with the payment request.</summary>
    public static Guid? PaymentId(JsonElement data) =>
        data.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
        && Guid.TryParse(Text(metadata, CheckoutClient.PaymentIdMetadataKey), out var id) ? id : null;

    /// <summary>Our refund id: the reference we sent with the refund, or its metadata.</summary>
    private static Guid? RefundId(JsonElement data) =>
        CheckoutClient.RefundIdFromReference(Text(data, "reference"))
        ?? (data.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && Guid.TryParse(Text(metadata, CheckoutClient.RefundIdMetadataKey), out var id) ? id : null);

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Amount(JsonElement data) =>
        data.TryGetProperty("amount", out var amount) && amount.ValueKind == JsonValueKind.Number && amount.TryGetInt64(out var value) ? value : -1;
}
