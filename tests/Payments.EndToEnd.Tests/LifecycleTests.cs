using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Marten;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Webhooks;
using Wolverine;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>The customer pays on the KNET page; Checkout.com's webhooks, over real HTTP, drive the payment.</summary>
public sealed class when_the_customer_pays_on_the_knet_page(PostgresDatabase database) : IAsyncLifetime
{
    private Wired _e2e = null!;

    public async ValueTask InitializeAsync() => _e2e = await Wired.StartAsync(database, "e2e_lifecycle");

    public async ValueTask DisposeAsync() => await _e2e.DisposeAsync();

    private async Task<string[]> DistinctEventTypes(Guid id) => [.. (await _e2e.StreamAsync(id)).Select(e => e.EventTypeName).Distinct()];

    [Fact]
    public async Task the_test_card_captures_the_payment_and_its_knet_details_are_recorded()
    {
        var (id, redirect) = await _e2e.CreatePaymentAsync();

        var back = await _e2e.PayOnKnetPageAsync(redirect);

        back.ToString().ShouldStartWith("https://shop.example/knet/ok?cko-session-id=sid_");
        var payment = await Eventually.Until(() => _e2e.GetPaymentAsync(id),
            p => p.GetProperty("status").GetString() == "Captured" && p.GetProperty("knet").ValueKind == JsonValueKind.Object);
        payment.GetProperty("capturedAmount").GetInt64().ShouldBe(1000);
        payment.GetProperty("refundableAmount").GetInt64().ShouldBe(1000);
        payment.GetProperty("knet").GetProperty("result").GetString().ShouldBe("CAPTURED");
        payment.GetProperty("knet").GetProperty("paymentId").GetString()!.Length.ShouldBe(18);
        payment.GetProperty("knet").GetProperty("authResponseCode").GetString().ShouldBe("00");
        payment.GetProperty("needsReview").GetBoolean().ShouldBeFalse();
        (await DistinctEventTypes(id)).ShouldBe([
            "payment_requested", "payment_pending", "payment_approved", "payment_captured", "knet_details_recorded",
        ]);

        var stream = await _e2e.StreamAsync(id);
        var capturedEvent = stream.Single(e => e.EventTypeName == "payment_captured");
        capturedEvent.Headers!["cause"].ToString()!.ShouldStartWith("webhook:evt_");
        capturedEvent.Headers!["checkout_action_id"].ToString()!.ShouldStartWith("act_");
        stream[0].Headers!["cause"].ToString()!.ShouldStartWith("http:POST /payments");
        stream.Single(e => e.EventTypeName == "knet_details_recorded").Headers!["cause"].ToString()!.ShouldStartWith("checkout:GET /payments/pay_");
    }

    [Fact]
    public async Task another_expiry_declines_the_payment()
    {
        var (id, redirect) = await _e2e.CreatePaymentAsync();

        var back = await _e2e.PayOnKnetPageAsync(redirect, expiry: "10/2025");

        back.GetLeftPart(UriPartial.Path).ShouldBe("https://shop.example/knet/fail");
        var payment = await Eventually.Until(() => _e2e.GetPaymentAsync(id),
            p => p.GetProperty("status").GetString() == "Declined" && p.GetProperty("knet").ValueKind == JsonValueKind.Object);
        payment.GetProperty("knet").GetProperty("result").GetString().ShouldBe("NOT CAPTURED");
        payment.GetProperty("knet").GetProperty("authResponseCode").GetString().ShouldBe("54", "the issuer's reason: expired card");
        payment.GetProperty("capturedAmount").GetInt64().ShouldBe(0);
    }

    [Fact]
    public async Task cancel_on_the_page_cancels_the_payment()
    {
        var (id, redirect) = await _e2e.CreatePaymentAsync();

        await _e2e.PayOnKnetPageAsync(redirect, cancel: true);

        await _e2e.PaymentInAsync(id, "Canceled");
    }

    [Fact]
    public async Task every_webhook_is_stored_once_with_its_outcome_and_redeliveries_counted()
    {
        var (id, redirect) = await _e2e.CreatePaymentAsync();
        await _e2e.PayOnKnetPageAsync(redirect);
        await _e2e.PaymentInAsync(id, "Captured");

        var webhooks = await Eventually.Until(async () =>
        {
            await using var session = _e2e.Store.QuerySession();
            return await session.Query<CheckoutWebhook>().Where(w => w.PaymentId == id).ToListAsync();
        }, list => list.Count == 3 && list.All(w => w.Processing != WebhookProcessing.Received));

        webhooks.Select(w => w.Type).Order().ShouldBe(["payment_capture_pending", "payment_captured", "payment_pending"]);
        webhooks.Single(w => w.Type == "payment_captured").Processing.ShouldBe(WebhookProcessing.Applied);
    }
}

public sealed class when_webhooks_arrive_badly(PostgresDatabase database)
{
    private static async Task<string[]> CapturedHistory(Wired e2e, object faults)
    {
        await e2e.SetSandboxFaultsAsync(faults);
        var (id, redirect) = await e2e.CreatePaymentAsync();
        await e2e.PayOnKnetPageAsync(redirect);
        await Eventually.Until(() => e2e.GetPaymentAsync(id),
            p => p.GetProperty("status").GetString() == "Captured" && p.GetProperty("knet").ValueKind == JsonValueKind.Object);
        var deliveries = await Eventually.Until(() => e2e.Sandbox.GetFromJsonAsync<JsonElement>("/_sandbox/webhooks"),
            d => d.EnumerateArray().All(x => x.GetProperty("state").GetString() == "Delivered"));
        deliveries.GetArrayLength().ShouldBeGreaterThanOrEqualTo(3);
        var types = (await e2e.StreamAsync(id)).Select(e => e.EventTypeName).ToList();
        types.Count(t => t == "payment_approved").ShouldBeLessThanOrEqualTo(1, "a late capture_pending is a no-op, never a second approval");
        types.ShouldNotContain("payment_flagged_for_review");

        // pending and approved say "not decided yet": after an out-of-order capture they are late no-ops.
        return [.. types.Where(t => t is not ("payment_pending" or "payment_approved"))];
    }

    [Theory]
    [InlineData("duplicate")]
    [InlineData("reordered")]
    [InlineData("first attempt failing")]
    [InlineData("delayed")]
    public async Task they_end_in_the_same_events_as_clean_delivery(string fault)
    {
        // Webhook retries ÷ 3000; the KNET page must not expire (7 min ÷ 3000 = 140 ms) before the customer arrives.
        await using var e2e = await Wired.StartAsync(database, "e2e_faults", timeScale: 3000, pageExpiry: TimeSpan.FromDays(10));
        object faults = fault switch
        {
            "duplicate" => new { duplicate_deliveries = true },
            "reordered" => new { reorder_deliveries = true, reorder_hold = "00:30:00" },
            "first attempt failing" => new { fail_first_attempts = 1 },
            _ => new { delivery_delay = "00:00:00.500" },
        };

        var history = await CapturedHistory(e2e, faults);

        history.ShouldBe(["payment_requested", "payment_captured", "knet_details_recorded"]);
    }
}

public sealed class when_someone_posts_to_the_webhook_endpoint(PostgresDatabase database) : IAsyncLifetime
{
    private Wired _e2e = null!;

    public async ValueTask InitializeAsync() => _e2e = await Wired.StartAsync(database, "e2e_intake",
        new Dictionary<string, string?> { ["Payments:UnknownPaymentRetryDelays:0"] = "00:00:00.100", ["Payments:UnknownPaymentRetryDelays:1"] = "00:00:00.100" });

    public async ValueTask DisposeAsync() => await _e2e.DisposeAsync();

    private static string Sign(string body) => Wired.Sign(body);

    private Task<HttpResponseMessage> Post(string body, string? signature = null, string? authorization = Wired.WebhookAuthorization) =>
        _e2e.PostWebhookAsync(body, signature, authorization);

    private async Task<int> StoredWebhooks()
    {
        await using var session = _e2e.Store.QuerySession();
        return await session.Query<CheckoutWebhook>().CountAsync();
    }

    private static string Webhook(string eventId, string type = "payment_captured", string paymentId = "pay_aaaaaaaaaaaaaaaaaaaaaaaaaa", Guid? ours = null) =>
        JsonSerializer.Serialize(new
        {
            id = eventId,
            type,
            version = "1.0.29",
            created_on = "2026-11-24T10:00:00Z",
            data = new { id = paymentId, amount = 1000, metadata = new { payment_id = (ours ?? Guid.CreateVersion7()).ToString() } },
        });

    [Fact]
    public async Task a_wrong_signature_or_authorization_is_401_and_stores_nothing()
    {
        var body = Webhook("evt_wrongsignature");

        using var badSignature = await Post(body, signature: new string('0', 64));
        using var noAuthorization = await Post(body, authorization: null);
        using var tampered = await Post(body.Replace("1000", "9990", StringComparison.Ordinal), signature: Sign(body));

        badSignature.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        noAuthorization.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        tampered.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await badSignature.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("webhook_unauthenticated");
        (await StoredWebhooks()).ShouldBe(0);
    }

    [Fact]
    public async Task an_oversized_body_is_413_and_stores_nothing()
    {
        var body = Webhook("evt_big").Replace("\"version\"", $"\"padding\":\"{new string('x', 70_000)}\",\"version\"", StringComparison.Ordinal);

        using var response = await Post(body);

        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);
        (await StoredWebhooks()).ShouldBe(0);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"type":"payment_captured","data":{"id":"pay_x"}}""")]
    [InlineData("""{"id":"evt_1","data":{"id":"pay_x"}}""")]
    [InlineData("""{"id":"evt_1","type":"payment_captured","data":{}}""")]
    public async Task a_malformed_body_is_400_and_stores_nothing(string body)
    {
        using var response = await Post(body);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("webhook_malformed");
        (await StoredWebhooks()).ShouldBe(0);
    }

    [Fact]
    public async Task an_unknown_event_type_is_acknowledged_and_recorded()
    {
        using var response = await Post(Webhook("evt_unknowntype", type: "card_verified"));

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        var stored = await Eventually.Until(async () =>
        {
            await using var session = _e2e.Store.QuerySession();
            return await session.LoadAsync<CheckoutWebhook>("evt_unknowntype");
        }, w => w?.Processing == WebhookProcessing.Ignored);
        stored!.Type.ShouldBe("card_verified");
    }

    [Fact]
    public async Task the_same_event_twice_is_stored_once()
    {
        var body = Webhook("evt_twice", type: "some_other_event");

        using var first = await Post(body);
        using var second = await Post(body);

        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        second.StatusCode.ShouldBe(HttpStatusCode.OK);
        await using var session = _e2e.Store.QuerySession();
        (await session.LoadAsync<CheckoutWebhook>("evt_twice"))!.Deliveries.ShouldBe(2);
        (await StoredWebhooks()).ShouldBe(1);
    }

    [Fact]
    public async Task a_webhook_for_an_unknown_payment_is_retried_then_parked_and_replays_once_the_payment_exists()
    {
        var ours = Guid.CreateVersion7();
        using var response = await Post(Webhook("evt_orphan", ours: ours));
        response.StatusCode.ShouldBe(HttpStatusCode.OK);

        var parked = await Eventually.Until(() => _e2e.Service.GetFromJsonAsync<JsonElement>("/webhooks/parked"),
            list => list.GetArrayLength() == 1);
        parked[0].GetProperty("id").GetString().ShouldBe("evt_orphan");
        parked[0].GetProperty("lookupAttempts").GetInt32().ShouldBe(3);

        // The payment turns up (here: started directly through the service's own handlers), and an operator replays.
        await using var scope = _e2e.Services.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        await bus.InvokeAsync(new RequestPayment(ours, new KnetPaymentRequest { Amount = 1000, Language = "en" }));
        await bus.InvokeAsync(new ApplyPaymentFact(ours, new PaymentFact.Accepted("pay_aaaaaaaaaaaaaaaaaaaaaaaaaa", "https://knet.example/pay")));
        using var replay = await _e2e.Service.PostAsync("/webhooks/parked/evt_orphan/replay", null);
        using var again = await _e2e.Service.PostAsync("/webhooks/parked/evt_orphan/replay", null);

        replay.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var captured = await _e2e.PaymentInAsync(ours, "Captured");
        captured.GetProperty("capturedAmount").GetInt64().ShouldBe(1000);
        (await _e2e.Service.GetFromJsonAsync<JsonElement>("/webhooks/parked")).GetArrayLength().ShouldBe(0);
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict, "it was no longer parked");
        using var unknown = await _e2e.Service.PostAsync("/webhooks/parked/evt_nothing/replay", null);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
