using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Payments.Shop;

/// <summary>KNET's record of the payment, as the payments service shows it.</summary>
public sealed record KnetRecord(string? PaymentId, string? Result, string? BankReference, string? TransactionId, string? PostDate);

/// <summary>The fields of <c>GET /payments/{id}</c> (and of the return's answer) a receipt shows.</summary>
public sealed record PaymentView(
    Guid Id, string Status, long Amount, string Currency, string? Reference, KnetRecord? Knet, DateTimeOffset UpdatedAt, string? RedirectUrl = null);

/// <summary>One row of <c>GET /payments?reference=…</c>.</summary>
public sealed record PaymentListItem(Guid Id, string Status, long Amount, string? Reference, string? CustomerEmail);

public sealed record PaymentPage(IReadOnlyList<PaymentListItem> Items);

/// <summary>What the customer's order asks the payments service for.</summary>
public sealed record Order(string Reference, long Amount, string Email, string Language);

/// <summary>What came of asking for a payment.</summary>
public abstract record Started
{
    /// <summary>Send the customer to KNET's page.</summary>
    public sealed record ToKnet(Uri Redirect) : Started;

    /// <summary>The service refused the order (422): its title, to show.</summary>
    public sealed record Refused(string Reason) : Started;

    /// <summary>No redirect yet (Checkout.com did not answer, or the service is away): try again shortly.</summary>
    public sealed record NotYet : Started;
}

/// <summary>What the verified return answered.</summary>
public abstract record Returned
{
    public sealed record Payment(PaymentView View) : Returned;

    /// <summary>422: the session id is not this payment's (forged, unknown or another payment's); the code says which.</summary>
    public sealed record Refused(string Code) : Returned;

    public sealed record NotFound : Returned;
}

/// <summary>
/// The payments service over HTTP, with the shop's API key. The order reference is the <c>Idempotency-Key</c> of its
/// payment, so a double click or a retried POST starts one payment (README, "Demo shop").
/// </summary>
public sealed class PaymentsApi(HttpClient http, Microsoft.Extensions.Options.IOptions<ShopOptions> options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<Started> StartAsync(Order order, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(order);
        var receipt = $"{options.Value.PublicUrl.TrimEnd('/')}/receipt?order={Uri.EscapeDataString(order.Reference)}";
        using var request = new HttpRequestMessage(HttpMethod.Post, "payments")
        {
            Content = JsonContent.Create(new
            {
                amount = order.Amount, currency = "KWD", reference = order.Reference, language = order.Language,
                successUrl = receipt, failureUrl = receipt, customer = new { email = order.Email },
            }, options: Json),
        };
        request.Headers.Add("Idempotency-Key", order.Reference);
        using var response = await http.SendAsync(request, cancellation);
        if (response.StatusCode == HttpStatusCode.Created
            && (await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellation)).TryGetProperty("redirectUrl", out var redirect)
            && Uri.TryCreate(redirect.GetString(), UriKind.Absolute, out var url))
        {
            return new Started.ToKnet(url);
        }

        if (response.StatusCode == HttpStatusCode.Accepted
            && (await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellation)).TryGetProperty("id", out var accepted)
            && accepted.TryGetGuid(out var id)
            && await GetAsync(id, cancellation) is { Status: "Pending", RedirectUrl: { } link }
            && Uri.TryCreate(link, UriKind.Absolute, out var later))
        {
            // Accepted before KNET's link was known (Checkout.com slow, or its answer lost): the payments service asks
            // again with the same key and shows the link on the payment once recorded; the same form pressed again
            // (the same order, so its answer is replayed) finds it there.
            return new Started.ToKnet(later);
        }

        if (response.StatusCode == HttpStatusCode.UnprocessableEntity)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellation);
            return new Started.Refused(problem.TryGetProperty("title", out var title) ? title.GetString() ?? "" : "");
        }

        return new Started.NotYet();
    }

    /// <summary>The order's payment, found by its reference (the shop keeps no state of its own).</summary>
    public async Task<PaymentListItem?> FindAsync(string reference, CancellationToken cancellation)
    {
        var page = await http.GetFromJsonAsync<PaymentPage>($"payments?reference={Uri.EscapeDataString(reference)}&limit=1", Json, cancellation);
        return page?.Items.FirstOrDefault(p => p.Reference == reference);
    }

    public async Task<PaymentView?> GetAsync(Guid id, CancellationToken cancellation) =>
        await http.GetFromJsonAsync<PaymentView>($"payments/{id}", Json, cancellation);

    /// <summary><c>POST /payments/{id}/return</c> with the session id the customer came back with.</summary>
    public async Task<Returned> ReturnAsync(Guid id, string sessionId, CancellationToken cancellation)
    {
        using var response = await http.PostAsJsonAsync($"payments/{id}/return", new { sessionId }, Json, cancellation);
        switch (response.StatusCode)
        {
            case HttpStatusCode.OK:
                return new Returned.Payment((await response.Content.ReadFromJsonAsync<PaymentView>(Json, cancellation))!);
            case HttpStatusCode.NotFound:
                return new Returned.NotFound();
            case HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest:
                var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellation);
                return new Returned.Refused(problem.TryGetProperty("code", out var code) ? code.GetString() ?? "" : "");
            default:
                response.EnsureSuccessStatusCode();
                throw new HttpRequestException($"POST /payments/{{id}}/return answered {(int)response.StatusCode}");
        }
    }
}
