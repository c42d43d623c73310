using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.Sandbox.Api;

/// <summary>Checkout.com's payments API for KNET: create, details, actions, refunds (§1–§3).</summary>
public static class PaymentsApi
{
    public static void MapCheckoutApi(this WebApplication app)
    {
        var api = app.MapGroup("/payments").AddEndpointFilter<ApiGuards>();
        api.MapPost("", Create);
        api.MapGet("", Search);
        api.MapGet("/{id}", Get);
        api.MapGet("/{id}/actions", Actions);
        api.MapPost("/{id}/refunds", Refund);
    }

    private static async Task<IResult> Create(HttpContext http, PaymentLifecycle lifecycle, TimeProvider time)
    {
        var body = await ReadJsonAsync(http);
        if (body is not { ValueKind: JsonValueKind.Object } json)
        {
            return CheckoutJson.Error(http, StatusCodes.Status400BadRequest, "request_malformed");
        }

        var (request, errors) = KnetRequestRules.Validate(json, ApiGuards.PlatformOf(http));
        if (request is null)
        {
            return Answer(http, StatusCodes.Status422UnprocessableEntity,
                new ErrorBody(CheckoutJson.RequestId(http), "request_invalid", [.. errors]));
        }

        var payment = new SandboxPayment
        {
            Id = Ids.New("pay"), SessionId = Ids.New("sid"), Token = Ids.New("tok"),
            CustomerId = request.CustomerId ?? Ids.New("cus"), BaseUrl = BaseUrl(http), Amount = request.Amount,
            Currency = request.Currency, Source = request.Source, RequestedOn = time.GetUtcNow(),
            Reference = request.Reference, Description = request.Description, SuccessUrl = request.SuccessUrl,
            FailureUrl = request.FailureUrl, CustomerEmail = request.CustomerEmail,
            CustomerName = request.CustomerName, ProcessingChannelId = request.ProcessingChannelId,
            Metadata = request.Metadata,
        };
        lifecycle.Created(payment);
        return Answer(http, StatusCodes.Status202Accepted, new
        {
            id = payment.Id,
            status = PaymentStatuses.Pending,
            reference = payment.Reference,
            customer = new { id = payment.CustomerId },
            _links = new { self = new Link(payment.SelfHref), redirect = new Link(payment.RedirectHref) },
        });
    }

    private static IResult Get(HttpContext http, string id, PaymentStore store)
    {
        var payment = store.Find(id);
        if (payment is null)
        {
            return CheckoutJson.Empty(http, StatusCodes.Status404NotFound);
        }

        lock (payment.Gate)
        {
            return CheckoutJson.Json(http, StatusCodes.Status200OK,
                PaymentDetails.Render(payment, bySession: id == payment.SessionId));
        }
    }

    /// <summary>
    /// <c>GET /payments?reference=…&amp;limit=…</c>: the payments created under a reference, newest first, as
    /// <c>{limit, skip, total_count, data: [payment details]}</c>.
    /// </summary>
    private static IResult Search(HttpContext http, PaymentStore store, string? reference, int? limit)
    {
        if (string.IsNullOrEmpty(reference) || limit is < 1 or > 100)
        {
            return CheckoutJson.Error(http, StatusCodes.Status422UnprocessableEntity, "request_invalid");
        }

        var take = limit ?? 10;
        var found = store.All.Where(p => p.Reference == reference).Reverse().ToList();
        var data = new List<object>();
        foreach (var payment in found.Take(take))
        {
            lock (payment.Gate)
            {
                data.Add(PaymentDetails.Render(payment, bySession: false));
            }
        }

        return CheckoutJson.Json(http, StatusCodes.Status200OK, new { limit = take, skip = 0, total_count = found.Count, data });
    }

    private static IResult Actions(HttpContext http, string id, PaymentStore store)
    {
        var payment = store.Find(id);
        if (payment is null)
        {
            return CheckoutJson.Empty(http, StatusCodes.Status404NotFound);
        }

        lock (payment.Gate)
        {
            return CheckoutJson.Json(http, StatusCodes.Status200OK, PaymentDetails.Actions(payment));
        }
    }

    private static async Task<IResult> Refund(HttpContext http, string id, PaymentStore store, PaymentLifecycle lifecycle)
    {
        var payment = store.Find(id);
        if (payment is null || id != payment.Id)
        {
            return CheckoutJson.Empty(http, StatusCodes.Status404NotFound);
        }

        var body = await ReadJsonAsync(http, allowEmpty: true);
        if (body is not { ValueKind: JsonValueKind.Object or JsonValueKind.Undefined or JsonValueKind.Null } json)
        {
            return CheckoutJson.Error(http, StatusCodes.Status400BadRequest, "request_malformed");
        }

        var errors = new List<string>();
        long? amount = null;
        string? reference = null;
        JsonObject? metadata = null;
        if (json.ValueKind == JsonValueKind.Object)
        {
            if (json.TryGetProperty("amount", out var a) && a.ValueKind != JsonValueKind.Null)
            {
                amount = a.ValueKind == JsonValueKind.Number && a.TryGetInt64(out var value) ? value : -1;
            }

            if (json.TryGetProperty("reference", out var r) && r.ValueKind != JsonValueKind.Null)
            {
                reference = r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                if (reference is null or { Length: > 50 })
                {
                    errors.Add("reference_invalid");
                }
            }

            if (json.TryGetProperty("metadata", out var m) && m.ValueKind != JsonValueKind.Null)
            {
                metadata = m.ValueKind == JsonValueKind.Object ? JsonNode.Parse(m.GetRawText())!.AsObject() : null;
                if (metadata is null)
                {
                    errors.Add("metadata_invalid");
                }
            }
        }

        lock (payment.Gate)
        {
            if (payment.Status is not (PaymentStatuses.Captured or PaymentStatuses.PartiallyRefunded))
            {
                return Answer(http, StatusCodes.Status403Forbidden,
                    new ErrorBody(CheckoutJson.RequestId(http), "operation_not_allowed", ["refund_not_allowed"]));
            }

            var value = amount ?? payment.AvailableToRefund;
            if (amount is { } given && (given <= 0 || given > 999_999_999 || given % 10 != 0))
            {
                errors.Add("amount_invalid");
            }
            else if (value > payment.AvailableToRefund || value <= 0)
            {
                errors.Add("refund_amount_exceeds_balance");
            }

            if (errors.Count > 0)
            {
                return Answer(http, StatusCodes.Status422UnprocessableEntity,
                    new ErrorBody(CheckoutJson.RequestId(http), "request_invalid", [.. errors]));
            }

            var accepted = lifecycle.Refund(payment, value, reference, metadata)!;
            return Answer(http, StatusCodes.Status202Accepted, new
            {
                action_id = accepted.ActionId,
                reference = accepted.Reference,
                _links = new { payment = new Link(payment.SelfHref) },
            });
        }
    }

    private static StoredAnswer Answer(HttpContext http, int status, object body)
    {
        http.Response.Headers[CheckoutJson.RequestIdHeader] = CheckoutJson.RequestId(http);
        return new StoredAnswer(status, JsonSerializer.SerializeToUtf8Bytes(body, CheckoutJson.Options));
    }

    /// <summary>The body as JSON; null when it is not JSON. An empty body is <c>Undefined</c> when allowed (a refund's body is optional).</summary>
    private static async Task<JsonElement?> ReadJsonAsync(HttpContext http, bool allowEmpty = false)
    {
        using var reader = new StreamReader(http.Request.Body);
        var text = await reader.ReadToEndAsync(http.RequestAborted);
        if (string.IsNullOrWhiteSpace(text))
        {
            return allowEmpty ? default(JsonElement) : null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string BaseUrl(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        return $"{http.Request.Scheme}://{http.Request.Host}{http.Request.PathBase}";
    }
}
