using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Payments.Domain;

namespace Payments.Host.Checkout;

/// <summary>Checkout.com's wire: snake_case, nulls omitted, unknown fields ignored (checkout-knet-api.md §0.2).</summary>
public static class CheckoutWire
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNameCaseInsensitive = true,
    };
}

public sealed record Link(string Href);

public sealed record PaymentLinks(Link? Self, Link? Redirect, Link? Actions);

/// <summary>202 from <c>POST /payments</c>.</summary>
public sealed record PaymentAcceptedResponse(string Id, string Status, string? Reference, [property: JsonPropertyName("_links")] PaymentLinks? Links);

/// <summary>
/// The KNET <c>source</c> of <c>GET /payments/{id}</c> (checkout-knet-api.md §2.3): KNET's own fields. The echo of
/// our request in the same object is not read back.
/// </summary>
public sealed record KnetResponseSource(
    string? Type, string? KnetPaymentId, string? KnetResult, string? InquiryResult, string? BankReference,
    string? KnetTransactionId, string? AuthCode, string? AuthResponseCode, string? PostDate, string? Avr, string? Error,
    string? ErrorText)
{
    /// <summary>KNET's record, or null while Checkout.com reports none of its fields: it has not arrived yet.</summary>
    public KnetDetails? KnetRecord()
    {
        var details = new KnetDetails(KnetPaymentId, KnetResult, InquiryResult, BankReference, KnetTransactionId, AuthCode,
            AuthResponseCode, PostDate, Avr, Error, ErrorText);
        return details == Empty ? null : details;
    }

    private static readonly KnetDetails Empty = new(null, null, null, null, null, null, null, null, null, null, null);
}

public sealed record Balances(long TotalCaptured, long TotalRefunded, long AvailableToRefund);

/// <summary>200 from <c>GET /payments/{id}</c> (the fields this service reads).</summary>
public sealed record PaymentDetailsResponse(
    string Id, string Status, bool Approved, long Amount, string Currency, string? Reference,
    KnetResponseSource? Source, Balances? Balances, JsonObject? Metadata);

/// <summary>200 from <c>GET /payments?reference=</c>: one page of the payments created under a reference.</summary>
public sealed record PaymentListResponse(int Limit, int Skip, int TotalCount, IReadOnlyList<PaymentDetailsResponse> Data);

/// <summary>202 from <c>POST /payments/{id}/refunds</c>.</summary>
public sealed record RefundAcceptedResponse(string ActionId, string? Reference);

public sealed record PaymentActionResponse(
    string Id, string Type, long Amount, bool? Approved, string? ResponseCode, string? ResponseSummary, string? Reference);

/// <summary><c>{request_id, error_type, error_codes}</c>.</summary>
public sealed record CheckoutError(string? RequestId, string? ErrorType, IReadOnlyList<string>? ErrorCodes);

/// <summary>What a call to Checkout.com came to: an answer, a refusal (4xx), or no answer at all.</summary>
public abstract record CheckoutAnswer<T>
{
    public sealed record Ok(T Value) : CheckoutAnswer<T>;

    /// <summary>Checkout.com looked at the request and said no; asking again changes nothing.</summary>
    public sealed record Refused(int Status, string? ErrorType, IReadOnlyList<string> ErrorCodes, string? RequestId) : CheckoutAnswer<T>;

    /// <summary>Timeout, 5xx, 429 or no connection: the outcome is unknown; ask again with the same key.</summary>
    public sealed record Unavailable(string Reason) : CheckoutAnswer<T>;
}
