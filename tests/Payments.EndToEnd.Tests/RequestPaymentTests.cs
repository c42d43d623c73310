using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

public sealed class when_a_merchant_requests_a_payment(PostgresDatabase database) : IAsyncLifetime
{
    private Wired _e2e = null!;

    public async ValueTask InitializeAsync() => _e2e = await Wired.StartAsync(database, "e2e_request");

    public async ValueTask DisposeAsync() => await _e2e.DisposeAsync();

    private async Task<HttpResponseMessage> Post(object body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/payments") { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        return await _e2e.Service.SendAsync(request);
    }

    [Fact]
    public async Task checkout_creates_it_and_the_answer_is_201_pending_with_the_knet_redirect()
    {
        using var response = await Post(Wired.PaymentBody());

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var id = body.GetProperty("id").GetGuid();
        response.Headers.Location!.ToString().ShouldBe($"/payments/{id}");
        body.GetProperty("status").GetString().ShouldBe("Pending");
        body.GetProperty("redirectUrl").GetString()!.ShouldStartWith($"{_e2e.SandboxUrl}/knet-external/redirect/tok_");
        body.GetProperty("checkoutPaymentId").GetString()!.ShouldStartWith("pay_");
        body.GetProperty("amount").GetInt64().ShouldBe(1000);
        body.GetProperty("currency").GetString().ShouldBe("KWD");
        body.GetProperty("reference").GetString().ShouldBe("ORD-5023-4E89");
        body.GetProperty("version").GetInt64().ShouldBe(2);

        (await _e2e.StreamAsync(id)).Select(e => e.EventTypeName).ShouldBe(["payment_requested", "payment_pending"]);
        var atCheckout = await _e2e.Sandbox.GetFromJsonAsync<JsonElement>($"/payments/{body.GetProperty("checkoutPaymentId").GetString()}");
        atCheckout.GetProperty("metadata").GetProperty("payment_id").GetString().ShouldBe(id.ToString());
        atCheckout.GetProperty("metadata").GetProperty("cart").GetString().ShouldBe("c-42");
        atCheckout.GetProperty("source").GetProperty("user_defined_field1").GetString().ShouldBe("order 5023");
    }

    [Fact]
    public async Task get_shows_the_payment_and_an_unknown_id_is_404()
    {
        using var created = await Post(Wired.PaymentBody());
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var payment = await _e2e.GetPaymentAsync(id);
        using var unknown = await _e2e.Service.GetAsync($"/payments/{Guid.CreateVersion7()}");
        using var notAnId = await _e2e.Service.GetAsync("/payments/not-an-id");

        payment.GetProperty("status").GetString().ShouldBe("Pending");
        payment.GetProperty("refundableAmount").GetInt64().ShouldBe(0);
        payment.GetProperty("refunds").GetArrayLength().ShouldBe(0);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("payment_not_found");
        notAnId.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task an_invalid_request_is_422_listing_every_field_error_and_stores_nothing()
    {
        var body = Wired.PaymentBody(amount: 1001);
        body["language"] = "fr";
        body["cardToken"] = "123";
        body["userDefinedField3"] = "three";

        using var response = await Post(body);

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("code").GetString().ShouldBe("request_invalid");
        problem.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("code").GetString()).ShouldBe([
            "amount_invalid", "source_language_invalid", "source_card_token_invalid", "source_user_defined_field3_not_allowed",
        ]);
        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(0);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1, 2]")]
    [InlineData("""{"amount": "1000", "currency": 414, "language": "en"}""")]
    [InlineData("""{"amount": 1000, "amount": 1000, "currency": "KWD", "language": "en"}""")]
    public async Task a_malformed_body_is_400_request_malformed_never_a_500(string json)
    {
        using var response = await _e2e.Service.PostAsync("/payments", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("request_malformed");
        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task invalid_utf8_is_400_and_a_nul_in_a_field_is_422_over_real_http()
    {
        byte[] invalid = [.. "{\"amount\":1000,\"currency\":\"KWD\",\"language\":\"en\",\"reference\":\"a"u8, 0xFF, .. "\"}"u8];
        using var bytes = await _e2e.Service.PostAsync("/payments", new ByteArrayContent(invalid) { Headers = { ContentType = new("application/json") } });
        var nul = Wired.PaymentBody(reference: "ORD\u0000-1");
        using var withNul = await Post(nul);

        bytes.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bytes.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("request_malformed");
        withNul.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await withNul.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe("text_control_character");
        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task a_body_over_64_kib_is_413_request_too_large_from_kestrel()
    {
        var body = Wired.PaymentBody();
        body["description"] = new string('d', 70_000);

        using var response = await Post(body);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("request_too_large");
        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task a_body_that_is_not_json_is_415_unsupported_media_type_with_a_problem_body()
    {
        using var response = await _e2e.Service.PostAsync("/payments", new StringContent("amount=1000", System.Text.Encoding.UTF8, "text/plain"));

        response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("unsupported_media_type");
    }

    [Fact]
    public async Task the_same_idempotency_key_and_body_replays_the_first_answer_and_charges_once()
    {
        using var first = await Post(Wired.PaymentBody(), "order-5023");
        using var again = await Post(Wired.PaymentBody(), "order-5023");

        again.StatusCode.ShouldBe(first.StatusCode);
        (await again.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        again.Headers.Location.ShouldBe(first.Headers.Location);
        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task the_same_idempotency_key_with_another_body_is_refused()
    {
        using var first = await Post(Wired.PaymentBody(), "order-7");
        using var other = await Post(Wired.PaymentBody(amount: 2000), "order-7");

        other.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await other.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("idempotency_key_reused");
        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task checkout_down_during_create_answers_202_requested_and_resolves_later_with_one_charge()
    {
        // Both attempts of the resilience pipeline get 503: the outcome is unknown.
        await _e2e.SetSandboxFaultsAsync(new { reject_next_requests = 2 });

        using var response = await Post(Wired.PaymentBody());

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().ShouldBe("Requested");
        var id = body.GetProperty("id").GetGuid();

        var resolved = await _e2e.PaymentInAsync(id, "Pending");

        resolved.GetProperty("redirectUrl").GetString()!.ShouldStartWith(_e2e.SandboxUrl);
        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(1);
        (await _e2e.StreamAsync(id)).Select(e => e.EventTypeName).ShouldBe(["payment_requested", "payment_outcome_unknown", "payment_pending"]);
    }

    [Fact]
    public async Task checkout_down_for_every_try_leaves_the_payment_requested_and_flagged_for_review()
    {
        // Two HTTP tries per attempt: the endpoint's and three scheduled ones (Payments:RequestRetryDelays) all fail.
        await _e2e.SetSandboxFaultsAsync(new { reject_next_requests = 100 });

        using var response = await Post(Wired.PaymentBody());
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var payment = await Eventually.Until(() => _e2e.GetPaymentAsync(id), p => p.GetProperty("needsReview").GetBoolean());
        payment.GetProperty("status").GetString().ShouldBe("Requested");
        payment.GetProperty("reviewFlags")[0].GetProperty("reason").GetString()
            .ShouldBe("Checkout.com did not answer the payment request after 4 attempts");
        (await _e2e.StreamAsync(id)).Count(e => e.EventTypeName == "payment_outcome_unknown").ShouldBe(4);
        await _e2e.SetSandboxFaultsAsync(new { });
        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task checkout_slower_than_our_timeout_resolves_later_with_one_charge()
    {
        // Each attempt gives up after 2 s; Checkout.com takes 3 s and does create the payment. Our retry meets the
        // key still in progress (429). The payment stays Requested, and the scheduled retry with the same key
        // gets the first answer replayed.
        await _e2e.SetSandboxFaultsAsync(new { api_delay = "00:00:03" });

        using var response = await Post(Wired.PaymentBody());
        await _e2e.SetSandboxFaultsAsync(new { });

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await _e2e.PaymentInAsync(id, "Pending");
        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task a_lost_answer_is_asked_again_with_the_same_key_and_charges_once()
    {
        await _e2e.SetSandboxFaultsAsync(new { lose_next_responses = 1 });

        using var response = await Post(Wired.PaymentBody());

        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(1);
    }
}

public sealed class when_checkout_refuses_the_request(PostgresDatabase database)
{
    [Fact]
    public async Task the_payment_is_rejected_with_checkouts_error_codes()
    {
        await using var e2e = await Wired.StartAsync(database, "e2e_refused",
            new Dictionary<string, string?> { ["Checkout:ProcessingChannelId"] = "" });

        using var response = await e2e.Service.PostAsJsonAsync("/payments", Wired.PaymentBody());

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("code").GetString().ShouldBe("payment_rejected");
        problem.GetProperty("checkoutErrorCodes").EnumerateArray().Select(c => c.GetString()).ShouldBe(["processing_channel_id_invalid"]);
    }
}
