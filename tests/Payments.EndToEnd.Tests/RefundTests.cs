using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

public sealed class when_a_captured_payment_is_refunded(PostgresDatabase database) : IAsyncLifetime
{
    private Wired _e2e = null!;
    private Guid _id;
    private string _checkoutId = "";

    public async ValueTask InitializeAsync()
    {
        // Refund processing at the sandbox: 3 s ÷ 60 = 50 ms.
        _e2e = await Wired.StartAsync(database, "e2e_refunds");
        var (id, redirect) = await _e2e.CreatePaymentAsync();
        await _e2e.PayOnKnetPageAsync(redirect);
        // Wait for the post-capture read of Checkout.com's details too, so no call of ours is still under way.
        var captured = await Eventually.Until(() => _e2e.GetPaymentAsync(id),
            p => p.GetProperty("status").GetString() == "Captured" && p.GetProperty("knet").ValueKind == JsonValueKind.Object);
        _id = id;
        _checkoutId = captured.GetProperty("checkoutPaymentId").GetString()!;
    }

    public async ValueTask DisposeAsync() => await _e2e.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> Refund(object? body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/payments/{_id}/refunds")
        {
            Content = body is null ? null : JsonContent.Create(body),
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await _e2e.Service.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private Task<JsonElement> Settled(string status) => Eventually.Until(() => _e2e.GetPaymentAsync(_id),
        p => p.GetProperty("status").GetString() == status
             && p.GetProperty("refunds").EnumerateArray().All(r => r.GetProperty("status").GetString() is "Succeeded" or "Declined"));

    [Fact]
    public async Task partial_and_multiple_refunds_reach_refunded_and_agree_with_checkout()
    {
        var (status, first) = await Refund(new { amount = 300, reference = "first part" });
        status.ShouldBe(HttpStatusCode.Accepted);
        // The answer tells the refund as it stands: usually Pending, Succeeded when its webhooks were faster.
        first.GetProperty("status").GetString().ShouldBeOneOf("Pending", "Succeeded");
        first.GetProperty("amount").GetInt64().ShouldBe(300);
        await Settled("PartiallyRefunded");

        (await Refund(new { amount = 500 })).Status.ShouldBe(HttpStatusCode.Accepted);
        var partial = await Settled("PartiallyRefunded");
        partial.GetProperty("refundedAmount").GetInt64().ShouldBe(800);
        partial.GetProperty("refundableAmount").GetInt64().ShouldBe(200);

        var (_, rest) = await Refund(new { });
        rest.GetProperty("amount").GetInt64().ShouldBe(200);
        var refunded = await Settled("Refunded");

        refunded.GetProperty("refundedAmount").GetInt64().ShouldBe(1000);
        refunded.GetProperty("refunds").EnumerateArray().Select(r => r.GetProperty("actionId").GetString()!)
            .ShouldAllBe(a => a.StartsWith("act_", StringComparison.Ordinal));
        var atCheckout = await _e2e.Sandbox.GetFromJsonAsync<JsonElement>($"/payments/{_checkoutId}");
        atCheckout.GetProperty("status").GetString().ShouldBe("Refunded");
        atCheckout.GetProperty("balances").GetProperty("total_refunded").GetInt64().ShouldBe(1000);
        (await Refund(new { amount = 10 })).Body.GetProperty("code").GetString().ShouldBe("payment_not_refundable");
    }

    [Fact]
    public async Task a_refund_beyond_the_refundable_balance_or_the_kwd_rule_is_422()
    {
        var (over, overBody) = await Refund(new { amount = 1010 });
        var (odd, oddBody) = await Refund(new { amount = 105 });
        var (text, textBody) = await Refund(new { amount = "100" });

        over.ShouldBe(HttpStatusCode.UnprocessableEntity);
        overBody.GetProperty("code").GetString().ShouldBe("refund_amount_invalid");
        overBody.GetProperty("detail").GetString().ShouldBe("1.010 KWD exceeds the refundable balance of 1.000 KWD.");
        // The KWD rule needs no payment state: a field error of the body, found before the Idempotency-Key is claimed.
        odd.ShouldBe(HttpStatusCode.UnprocessableEntity);
        oddBody.GetProperty("code").GetString().ShouldBe("request_invalid");
        oddBody.GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe("refund_amount_invalid");
        text.ShouldBe(HttpStatusCode.BadRequest);
        textBody.GetProperty("code").GetString().ShouldBe("request_malformed");
        (await _e2e.GetPaymentAsync(_id)).GetProperty("refunds").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task an_empty_or_null_body_is_400_and_refunds_nothing_while_an_empty_object_refunds_the_balance()
    {
        async Task<(HttpStatusCode, string?)> Raw(HttpContent? content)
        {
            using var response = await _e2e.Service.PostAsync($"/payments/{_id}/refunds", content);
            return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }

        (await Raw(null)).ShouldBe((HttpStatusCode.BadRequest, "request_malformed"));
        (await Raw(new StringContent("", System.Text.Encoding.UTF8, "application/json"))).ShouldBe((HttpStatusCode.BadRequest, "request_malformed"));
        (await Raw(new StringContent("null", System.Text.Encoding.UTF8, "application/json"))).ShouldBe((HttpStatusCode.BadRequest, "request_malformed"));
        (await _e2e.GetPaymentAsync(_id)).GetProperty("refunds").GetArrayLength().ShouldBe(0);

        var (status, whole) = await Refund(new { });

        status.ShouldBe(HttpStatusCode.Accepted);
        whole.GetProperty("amount").GetInt64().ShouldBe(1000);
    }

    [Fact]
    public async Task a_declined_refund_releases_its_budget()
    {
        var (status, _) = await Refund(new { amount = 1000, reference = "please decline" });
        status.ShouldBe(HttpStatusCode.Accepted);

        var payment = await Settled("Captured");

        payment.GetProperty("refunds")[0].GetProperty("status").GetString().ShouldBe("Declined");
        payment.GetProperty("refundableAmount").GetInt64().ShouldBe(1000);
        (await Refund(new { amount = 1000 })).Status.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task twenty_concurrent_refund_requests_never_exceed_the_captured_amount()
    {
        // Merchants as the API asks: each with its own Idempotency-Key, retrying a 503 with it until it has an answer.
        var statuses = await Task.WhenAll(Enumerable.Range(0, 20).Select(n => Merchant.SendUntilAnsweredAsync(
            _e2e.Service, HttpMethod.Post, $"/payments/{_id}/refunds", new { amount = 100 }, $"concurrent-{n}")));

        statuses.Count(s => s.Status == HttpStatusCode.Accepted).ShouldBe(10);
        // Refused because the balance is spent: over it while refunds are in flight (422), or once the payment is
        // Refunded (409), depending on how far the first ten got.
        statuses.Where(s => s.Status != HttpStatusCode.Accepted).ShouldAllBe(s =>
            s.Status == HttpStatusCode.UnprocessableEntity && s.Body.GetProperty("code").GetString() == "refund_amount_invalid"
            || s.Status == HttpStatusCode.Conflict && s.Body.GetProperty("code").GetString() == "payment_not_refundable");
        var refunded = await Settled("Refunded");
        refunded.GetProperty("refundedAmount").GetInt64().ShouldBe(1000);
        var actions = await _e2e.Sandbox.GetFromJsonAsync<JsonElement>($"/payments/{_checkoutId}/actions");
        actions.EnumerateArray().Where(a => a.GetProperty("type").GetString() == "Refund").Sum(a => a.GetProperty("amount").GetInt64()).ShouldBe(1000);
    }

    [Fact]
    public async Task the_same_idempotency_key_refunds_once()
    {
        var (_, first) = await Refund(new { amount = 200 }, key: "refund-key-1");
        var (_, again) = await Refund(new { amount = 200 }, key: "refund-key-1");

        again.GetProperty("refundId").GetGuid().ShouldBe(first.GetProperty("refundId").GetGuid());
        (await _e2e.GetPaymentAsync(_id)).GetProperty("refunds").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task checkout_down_during_a_refund_resolves_later_with_exactly_one_refund()
    {
        await _e2e.SetSandboxFaultsAsync(new { reject_next_requests = 2 });

        var (status, body) = await Refund(new { amount = 400 });

        status.ShouldBe(HttpStatusCode.Accepted);
        body.GetProperty("status").GetString().ShouldBe("Requested");
        var payment = await Settled("PartiallyRefunded");
        payment.GetProperty("refundedAmount").GetInt64().ShouldBe(400);
        var actions = await _e2e.Sandbox.GetFromJsonAsync<JsonElement>($"/payments/{_checkoutId}/actions");
        actions.EnumerateArray().Count(a => a.GetProperty("type").GetString() == "Refund").ShouldBe(1);
    }
}

public sealed class when_a_payment_that_is_not_captured_is_refunded(PostgresDatabase database)
{
    [Fact]
    public async Task the_refund_is_409_not_refundable_and_an_unknown_payment_404()
    {
        await using var e2e = await Wired.StartAsync(database, "e2e_refunds_pending");
        var (id, _) = await e2e.CreatePaymentAsync();

        using var pending = await e2e.Service.PostAsJsonAsync($"/payments/{id}/refunds", new { amount = 100 });
        using var unknown = await e2e.Service.PostAsJsonAsync($"/payments/{Guid.CreateVersion7()}/refunds", new { amount = 100 });

        pending.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await pending.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("payment_not_refundable");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
