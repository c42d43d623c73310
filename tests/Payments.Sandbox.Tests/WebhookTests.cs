using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Payments.Sandbox.Tests.Fixtures;
using Shouldly;

namespace Payments.Sandbox.Tests;

public sealed class when_the_sandbox_sends_webhooks
{
    private static string Hmac(byte[] body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SandboxServer.SignatureKey), body));

    [Fact]
    public async Task each_webhook_is_a_signed_shape_1_envelope_with_the_configured_authorization()
    {
        await using var sandbox = await SandboxServer.StartAsync();
        var (id, _) = await sandbox.CreatePaymentAsync();
        await sandbox.CompleteAsync(id, "captured");

        var webhooks = await sandbox.Receiver.WaitForAsync(3);

        foreach (var webhook in webhooks)
        {
            webhook.Signature.ShouldBe(Hmac(webhook.Body), "recomputed independently over the raw body");
            webhook.Authorization.ShouldBe(SandboxServer.WebhookAuthorization);
            webhook.ContentType.ShouldBe("application/json");
            var json = webhook.Json;
            json.EnumerateObject().Select(p => p.Name).ShouldBe(["id", "type", "version", "created_on", "data", "_links"]);
            json.GetProperty("id").GetString()!.ShouldMatch("^evt_[a-z2-7]{26}$");
            json.GetProperty("data").GetProperty("id").GetString().ShouldBe(id);
            json.GetProperty("data").GetProperty("metadata").GetProperty("payment_id").GetString().ShouldBe("0193b3a0-0000-7000-8000-000000000001");
            json.GetProperty("_links").GetProperty("payment").GetProperty("href").GetString().ShouldBe($"{sandbox.BaseUrl}/payments/{id}");
        }

        var captured = webhooks[2].Json.GetProperty("data");
        captured.GetProperty("response_code").GetString().ShouldBe("10000");
        captured.GetProperty("action_id").GetString().ShouldBe(webhooks[1].Json.GetProperty("data").GetProperty("action_id").GetString());
        captured.GetProperty("balances").GetProperty("total_captured").GetInt64().ShouldBe(1000);
        webhooks[0].Json.GetProperty("data").TryGetProperty("action_id", out _).ShouldBeFalse("payment_pending has no action");
    }

    [Fact]
    public async Task absent_fields_are_omitted_from_webhook_data_not_sent_as_null()
    {
        await using var sandbox = await SandboxServer.StartAsync();
        var (id, _) = await sandbox.CreatePaymentAsync(reference: null);
        await sandbox.CompleteAsync(id, "canceled");

        var webhooks = await sandbox.Receiver.WaitForAsync(2);

        foreach (var webhook in webhooks)
        {
            Encoding.UTF8.GetString(webhook.Body).ShouldNotContain("null");
            webhook.Json.GetProperty("data").TryGetProperty("reference", out _).ShouldBeFalse();
        }
    }

    [Fact]
    public async Task failed_attempts_are_retried_on_the_documented_schedule_divided_by_the_time_scale()
    {
        // 5m, 10m, 15m ÷ 3000 = 100 ms, 200 ms, 300 ms.
        await using var sandbox = await SandboxServer.StartAsync(timeScale: 3000, SandboxServer.NoPageExpiry);
        sandbox.Receiver.AnswerWith(500, 503, 404);
        var (id, _) = await sandbox.CreatePaymentAsync();

        var delivery = await sandbox.DeliveryAsync(id, SandboxServer.Delivered);

        var attempts = delivery.GetProperty("attempts").EnumerateArray().ToList();
        attempts.Select(a => a.GetProperty("status_code").GetInt32()).ShouldBe([500, 503, 404, 200]);
        var at = attempts.Select(a => a.GetProperty("at").GetDateTimeOffset()).ToList();
        var expected = new[] { 100, 200, 300 };
        for (var i = 0; i < expected.Length; i++)
        {
            (at[i + 1] - at[i]).TotalMilliseconds.ShouldBeGreaterThanOrEqualTo(expected[i] - 15, $"wait before attempt {i + 2}");
        }
    }

    [Fact]
    public async Task a_webhook_that_fails_every_attempt_is_canceled_after_nine()
    {
        // The whole schedule (30 h) ÷ 100000 ≈ 1.1 s.
        await using var sandbox = await SandboxServer.StartAsync(timeScale: 100_000, SandboxServer.NoPageExpiry);
        sandbox.Receiver.AnswerWith(Enumerable.Repeat(500, 9).ToArray());
        var (id, _) = await sandbox.CreatePaymentAsync();

        var delivery = await sandbox.DeliveryAsync(id, d => d.GetProperty("state").GetString() == "Canceled");

        delivery.GetProperty("attempts").GetArrayLength().ShouldBe(9);
        delivery.TryGetProperty("next_attempt_at", out _).ShouldBeFalse();
        sandbox.Receiver.Received.ShouldBeEmpty();
    }

    [Fact]
    public async Task no_answer_within_the_timeout_counts_as_a_failed_attempt()
    {
        var settings = SandboxServer.NoPageExpiry;
        settings["Sandbox:WebhookTimeout"] = "00:00:00.200";
        await using var sandbox = await SandboxServer.StartAsync(timeScale: 3000, settings);
        sandbox.Receiver.HangFor(TimeSpan.FromSeconds(5));
        var (id, _) = await sandbox.CreatePaymentAsync();

        var delivery = await sandbox.DeliveryAsync(id, d => d.GetProperty("attempts").GetArrayLength() >= 1);

        delivery.GetProperty("attempts")[0].GetProperty("error").GetString().ShouldBe("no answer within 0.2 s");
        delivery.GetProperty("state").GetString().ShouldBe("Scheduled");
    }

    [Fact]
    public async Task duplicate_deliveries_send_the_same_event_twice()
    {
        await using var sandbox = await SandboxServer.StartAsync();
        await sandbox.SetFaultsAsync(new { duplicate_deliveries = true });
        await sandbox.CreatePaymentAsync();

        var webhooks = await sandbox.Receiver.WaitForAsync(2);

        webhooks[0].EventId.ShouldBe(webhooks[1].EventId);
        webhooks[0].Body.ShouldBe(webhooks[1].Body);
        (await sandbox.DeliveriesAsync()).GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task dropped_webhooks_are_listed_and_never_sent_until_the_fault_is_off()
    {
        await using var sandbox = await SandboxServer.StartAsync();
        await sandbox.SetFaultsAsync(new { drop_webhooks = true });
        var (dropped, _) = await sandbox.CreatePaymentAsync();
        await sandbox.CompleteAsync(dropped, "captured");
        await sandbox.SetFaultsAsync(new { drop_webhooks = false });
        var (sent, _) = await sandbox.CreatePaymentAsync();

        var webhooks = await sandbox.Receiver.WaitForAsync(1);

        var listed = (await sandbox.DeliveriesAsync(dropped)).EnumerateArray().ToList();
        listed.Select(d => (d.GetProperty("type").GetString(), d.GetProperty("state").GetString(), d.GetProperty("attempts").GetArrayLength()))
            .ShouldBe([("payment_pending", "Dropped", 0), ("payment_capture_pending", "Dropped", 0), ("payment_captured", "Dropped", 0)]);
        webhooks.ShouldHaveSingleItem().Json.GetProperty("data").GetProperty("id").GetString().ShouldBe(sent);
        (await sandbox.GetPaymentAsync(dropped)).GetProperty("status").GetString().ShouldBe("Captured");
    }

    [Fact]
    public async Task reordered_deliveries_send_each_event_after_its_successor()
    {
        await using var sandbox = await SandboxServer.StartAsync();
        await sandbox.SetFaultsAsync(new { reorder_deliveries = true });
        var (id, _) = await sandbox.CreatePaymentAsync();
        await sandbox.CompleteAsync(id, "captured");

        var webhooks = await sandbox.Receiver.WaitForAsync(3);

        webhooks.Select(w => w.Type).ShouldBe(["payment_capture_pending", "payment_pending", "payment_captured"]);
    }

    [Fact]
    public async Task delayed_deliveries_wait_before_the_first_attempt()
    {
        await using var sandbox = await SandboxServer.StartAsync();
        await sandbox.SetFaultsAsync(new { delivery_delay = "00:00:00.300" });
        var (id, _) = await sandbox.CreatePaymentAsync();

        var delivery = await sandbox.DeliveryAsync(id, SandboxServer.Delivered);
        var created = delivery.GetProperty("created_on").GetDateTimeOffset();
        var first = delivery.GetProperty("attempts")[0].GetProperty("at").GetDateTimeOffset();
        (first - created).TotalMilliseconds.ShouldBeGreaterThanOrEqualTo(285);
    }

    [Fact]
    public async Task the_first_attempts_can_be_made_to_fail_before_reaching_the_receiver()
    {
        await using var sandbox = await SandboxServer.StartAsync(timeScale: 3000, SandboxServer.NoPageExpiry);
        await sandbox.SetFaultsAsync(new { fail_first_attempts = 2 });
        var (id, _) = await sandbox.CreatePaymentAsync();

        var attempts = (await sandbox.DeliveryAsync(id, SandboxServer.Delivered)).GetProperty("attempts").EnumerateArray().ToList();
        attempts.Select(a => a.TryGetProperty("status_code", out var s) ? s.GetInt32() : 0).ShouldBe([0, 0, 200]);
        attempts[0].GetProperty("error").GetString().ShouldBe("injected failure: the attempt never reached the receiver");
        sandbox.Receiver.Received.Count.ShouldBe(1);
    }

    [Fact]
    public async Task without_a_webhook_url_events_are_listed_and_not_sent()
    {
        await using var sandbox = await SandboxServer.StartAsync(settings: new Dictionary<string, string?> { ["Sandbox:WebhookUrl"] = "" });
        var (id, _) = await sandbox.CreatePaymentAsync();

        var delivery = await sandbox.DeliveryAsync(id, d => d.GetProperty("state").GetString() != "Scheduled");

        delivery.GetProperty("state").GetString().ShouldBe("NotSent");
        delivery.GetProperty("type").GetString().ShouldBe("payment_pending");
    }
}

public sealed class when_the_control_api_is_used
{
    [Fact]
    public async Task a_payment_can_be_decided_without_a_browser_once()
    {
        await using var sandbox = await SandboxServer.StartAsync();
        var (id, _) = await sandbox.CreatePaymentAsync();

        await sandbox.CompleteAsync(id, "not_captured");
        using var again = await sandbox.Browser.PostAsJsonAsync($"/_sandbox/payments/{id}/complete", new { outcome = "captured" });
        using var unknown = await sandbox.Browser.PostAsJsonAsync("/_sandbox/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaaaa/complete", new { outcome = "captured" });
        using var invalid = await sandbox.Browser.PostAsJsonAsync($"/_sandbox/payments/{id}/complete", new { outcome = "maybe" });

        again.StatusCode.ShouldBe(System.Net.HttpStatusCode.Conflict);
        unknown.StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
        invalid.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        (await sandbox.GetPaymentAsync(id)).GetProperty("status").GetString().ShouldBe("Declined");
        (await sandbox.Receiver.WaitForAsync(2)).Select(w => w.Type).ShouldBe(["payment_pending", "payment_capture_declined"]);
    }

    [Theory]
    [InlineData("canceled", "Canceled", "payment_canceled")]
    [InlineData("expired", "Expired", "payment_expired")]
    [InlineData("reused", "Declined", "payment_canceled")]
    public async Task each_outcome_sets_the_status_and_sends_its_webhook(string outcome, string status, string webhook)
    {
        await using var sandbox = await SandboxServer.StartAsync();
        var (id, _) = await sandbox.CreatePaymentAsync();

        await sandbox.CompleteAsync(id, outcome);

        (await sandbox.GetPaymentAsync(id)).GetProperty("status").GetString().ShouldBe(status);
        (await sandbox.Receiver.WaitForAsync(2))[1].Type.ShouldBe(webhook);
    }

    [Fact]
    public async Task the_delivery_list_shows_every_attempt_and_its_answer()
    {
        await using var sandbox = await SandboxServer.StartAsync(timeScale: 3000, SandboxServer.NoPageExpiry);
        sandbox.Receiver.AnswerWith(502);
        var (id, _) = await sandbox.CreatePaymentAsync();
        await sandbox.DeliveryAsync(id, SandboxServer.Delivered);

        var delivery = (await sandbox.DeliveriesAsync()).EnumerateArray().Single();
        delivery.GetProperty("payment_id").GetString().ShouldBe(id);
        delivery.GetProperty("event_id").GetString()!.ShouldStartWith("evt_");
        delivery.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("status_code").GetInt32()).ShouldBe([502, 200]);
        delivery.GetProperty("attempts")[0].GetProperty("error").GetString().ShouldBe("answered 502");
    }
}
