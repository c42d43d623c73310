using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Payments.Domain;

namespace Payments.Host.Checkout;

/// <summary>
/// The typed client for Checkout.com's payments API. Every POST carries a <c>Cko-Idempotency-Key</c> derived from our
/// own ids (the payment id, the refund id), so a retry — by the resilience pipeline or by a later scheduled check —
/// can never charge or refund twice. The secret key lives only in the <c>Authorization</c> header.
/// </summary>
public sealed partial class CheckoutClient(HttpClient http, IOptions<CheckoutOptions> options)
{
    public const string PaymentIdMetadataKey = "payment_id";
    public const string RefundIdMetadataKey = "refund_id";

    public Task<CheckoutAnswer<PaymentAcceptedResponse>> RequestPaymentAsync(
        Guid paymentId, KnetPaymentRequest request, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        var metadata = new JsonObject();
        foreach (var (key, value) in request.Metadata)
        {
            metadata[key] = value.Kind switch
            {
                MetadataKind.Number => JsonNode.Parse(value.Text),
                MetadataKind.Boolean => JsonValue.Create(value.Text == "true"),
                _ => JsonValue.Create(value.Text),
            };
        }

        // Lets any webhook find our payment, even one that beats Checkout.com's answer to this call.
        metadata[PaymentIdMetadataKey] = paymentId.ToString();
        var body = new
        {
            amount = request.Amount,
            currency = request.Currency,
            reference = request.Reference,
            description = request.Description,
            processing_channel_id = options.Value.ProcessingChannelId,
            success_url = request.SuccessUrl,
            failure_url = request.FailureUrl,
            customer = request.CustomerEmail is null && request.CustomerName is null
                ? null : new { email = request.CustomerEmail, name = request.CustomerName },
            metadata,
            source = new
            {
                type = "knet",
                language = request.Language,
                user_defined_field1 = request.UserDefinedField1,
                user_defined_field2 = request.UserDefinedField2,
                user_defined_field3 = request.UserDefinedField3,
                user_defined_field4 = request.UserDefinedField4,
                user_defined_field5 = request.UserDefinedField5,
                card_token = request.CardToken,
                ptlf = request.Ptlf,
            },
        };
        return SendAsync<PaymentAcceptedResponse>(HttpMethod.Post, "payments", body, paymentId.ToString(), cancellation);
    }

    public Task<CheckoutAnswer<PaymentDetailsResponse>> GetPaymentAsync(string checkoutPaymentId, CancellationToken cancellation) =>
        SendAsync<PaymentDetailsResponse>(HttpMethod.Get, $"payments/{Uri.EscapeDataString(checkoutPaymentId)}", null, null, cancellation);

    /// <summary>The largest page Checkout.com lists.</summary>
    public const int SearchLimit = 100;

    /// <summary>The payments Checkout.com holds under a reference (one page of at most <see cref="SearchLimit"/>).</summary>
    public Task<CheckoutAnswer<PaymentListResponse>> SearchPaymentsAsync(string reference, CancellationToken cancellation) =>
        SendAsync<PaymentListResponse>(HttpMethod.Get,
            $"payments?reference={Uri.EscapeDataString(reference)}&limit={SearchLimit}", null, null, cancellation);

    public Task<CheckoutAnswer<IReadOnlyList<PaymentActionResponse>>> GetActionsAsync(string checkoutPaymentId, CancellationToken cancellation) =>
        SendAsync<IReadOnlyList<PaymentActionResponse>>(HttpMethod.Get, $"payments/{Uri.EscapeDataString(checkoutPaymentId)}/actions", null, null, cancellation);

    /// <summary>
    /// The merchant's reference when there is one, else our refund id; our refund id also travels in metadata, so the
    /// refund's webhooks find it even before we hold its action id.
    /// </summary>
    public Task<CheckoutAnswer<RefundAcceptedResponse>> RefundAsync(
        string checkoutPaymentId, Guid paymentId, Guid refundId, long amount, string? reference, CancellationToken cancellation) =>
        SendAsync<RefundAcceptedResponse>(HttpMethod.Post, $"payments/{Uri.EscapeDataString(checkoutPaymentId)}/refunds", new
        {
            amount,
            reference = reference ?? RefundReference(refundId),
            metadata = new Dictionary<string, string>
            {
                [PaymentIdMetadataKey] = paymentId.ToString(),
                [RefundIdMetadataKey] = refundId.ToString(),
            },
        }, refundId.ToString(), cancellation);

    public static string RefundReference(Guid refundId) => $"refund-{refundId:N}";

    public static Guid? RefundIdFromReference(string? reference) =>
        reference is { Length: 39 } && reference.StartsWith("refund-", StringComparison.Ordinal)
        && Guid.TryParseExact(reference[7..], "N", out var id) ? id : null;

    private async Task<CheckoutAnswer<T>> SendAsync<T>(
        HttpMethod method, string path, object? body, string? idempotencyKey, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Value.SecretKey);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Cko-Idempotency-Key", idempotencyKey);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: CheckoutWire.Json);
        }

        try
        {
            using var response = await http.SendAsync(request, cancellation);
            if (response.IsSuccessStatusCode)
            {
                return await ReadAnswerAsync<T>(response, cancellation) is { } value
                    ? new CheckoutAnswer<T>.Ok(value)
                    : new CheckoutAnswer<T>.Unavailable($"{(int)response.StatusCode} with a body that is not the expected JSON");
            }

            if ((int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
            {
                return new CheckoutAnswer<T>.Unavailable($"Checkout.com answered {(int)response.StatusCode}");
            }

            var error = await ReadErrorAsync(response, cancellation);
            return new CheckoutAnswer<T>.Refused((int)response.StatusCode, error?.ErrorType, error?.ErrorCodes ?? [],
                error?.RequestId ?? RequestId(response));
        }
        catch (HttpRequestException e)
        {
            return new CheckoutAnswer<T>.Unavailable($"no answer from Checkout.com: {e.HttpRequestError}");
        }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new CheckoutAnswer<T>.Unavailable("Checkout.com did not answer in time");
        }
        catch (Polly.Timeout.TimeoutRejectedException)
        {
            return new CheckoutAnswer<T>.Unavailable("Checkout.com did not answer in time");
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException)
        {
            return new CheckoutAnswer<T>.Unavailable("Checkout.com keeps failing: calls are paused (circuit open)");
        }
    }

    /// <summary>
    /// Checkout.com documents <c>Cko-Request-Id</c> on its answers, but a refusal from something in front of it (or a
    /// bare 404) may come without one: no header means no request id to keep, never a failed call.
    /// </summary>
    private static string? RequestId(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Cko-Request-Id", out var values) ? values.FirstOrDefault() : null;

    /// <summary>
    /// A 2xx whose body cannot be read says nothing about the outcome: the caller treats it as no answer and asks
    /// again with the same idempotency key, instead of failing after the intent was recorded.
    /// </summary>
    private static async Task<T?> ReadAnswerAsync<T>(HttpResponseMessage response, CancellationToken cancellation)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(CheckoutWire.Json, cancellation);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static async Task<CheckoutError?> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellation)
    {
        try
        {
            return response.Content.Headers.ContentLength is 0
                ? null
                : await response.Content.ReadFromJsonAsync<CheckoutError>(CheckoutWire.Json, cancellation);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
