using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Sandbox.Tests.Fixtures;
using Shouldly;

namespace Payments.Sandbox.Tests;

public sealed class when_a_captured_payment_is_refunded : IAsyncLifetime
{
    private SandboxServer _sandbox = null!;
    private string _id = "";

    public async ValueTask InitializeAsync()
    {
        // Refund processing (30 s) ÷ 600 = 50 ms.
        _sandbox = await SandboxServer.StartAsync(timeScale: 600);
        (_id, _) = await _sandbox.CreatePaymentAsync();
        await _sandbox.CompleteAsync(_id, "captured");
        await _sandbox.Receiver.WaitForAsync(3);
    }

    public async ValueTask DisposeAsync() => await _sandbox.DisposeAsync();

    private async Task<(HttpStatusCode Status, JsonElement Body)> Refund(object? body)
    {
        using var response = await _sandbox.Client.PostAsJsonAsync($"/payments/{_id}/refunds", body);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private Task<JsonElement> Settled(string status) => Eventually.Until(
        () => _sandbox.GetPaymentAsync(_id), p => p.GetProperty("status").GetString() == status);

    [Fact]
    public async Task partial_then_full_refunds_update_balances_actions_and_status()
    {
        var (status, first) = await Refund(new { amount = 400, reference = "refund-1" });
        status.ShouldBe(HttpStatusCode.Accepted);
        first.GetProperty("action_id").GetString()!.ShouldMatch("^act_[a-z2-7]{26}$");
        first.GetProperty("reference").GetString().ShouldBe("refund-1");
        first.GetProperty("_links").GetProperty("payment").GetProperty("href").GetString().ShouldBe($"{_sandbox.BaseUrl}/payments/{_id}");

        var partial = await Settled("Partially Refunded");
        partial.GetProperty("balances").GetRawText().ShouldBe(
            """{"total_authorized":1000,"total_voided":0,"available_to_void":0,"total_captured":1000,"available_to_capture":0,"total_refunded":400,"available_to_refund":600}""");

        var (_, second) = await Refund(null);
        var full = await Settled("Refunded");
        full.GetProperty("balances").GetProperty("total_refunded").GetInt64().ShouldBe(1000);
        full.GetProperty("balances").GetProperty("available_to_refund").GetInt64().ShouldBe(0);

        var actions = await _sandbox.Client.GetFromJsonAsync<JsonElement>($"/payments/{_id}/actions");
        actions.EnumerateArray().Select(a => (a.GetProperty("type").GetString(), a.GetProperty("amount").GetInt64()))
            .ShouldBe([("Refund", 600L), ("Refund", 400L), ("Capture", 1000L)]);
        actions[0].GetProperty("id").GetString().ShouldBe(second.GetProperty("action_id").GetString());
        actions.EnumerateArray().All(a => a.GetProperty("approved").GetBoolean()).ShouldBeTrue();

        var types = (await _sandbox.Receiver.WaitForAsync(7)).Skip(3).Select(w => w.Type);
        types.ShouldBe(["payment_refund_pending", "payment_refunded", "payment_refund_pending", "payment_refunded"]);
        (await Refund(new { amount = 10 })).Status.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task refund_webhooks_carry_the_refund_amount_action_and_reference()
    {
        var (_, accepted) = await Refund(new { amount = 300, reference = "refund-7" });
        var webhooks = await _sandbox.Receiver.WaitForAsync(5);

        foreach (var data in webhooks.Skip(3).Select(w => w.Json.GetProperty("data")))
        {
            data.GetProperty("action_id").GetString().ShouldBe(accepted.GetProperty("action_id").GetString());
            data.GetProperty("amount").GetInt64().ShouldBe(300);
            data.GetProperty("reference").GetString().ShouldBe("refund-7");
        }

        webhooks[4].Json.GetProperty("data").GetProperty("balances").GetProperty("total_refunded").GetInt64().ShouldBe(300);
    }

    [Fact]
    public async Task a_refund_whose_reference_says_decline_is_declined_with_20006_and_released()
    {
        var (status, _) = await Refund(new { amount = 1000, reference = "please-decline-this" });
        status.ShouldBe(HttpStatusCode.Accepted);

        var webhooks = await _sandbox.Receiver.WaitForAsync(5);

        webhooks[4].Type.ShouldBe("payment_refund_declined");
        webhooks[4].Json.GetProperty("data").GetProperty("response_code").GetString().ShouldBe("20006");
        var payment = await _sandbox.GetPaymentAsync(_id);
        payment.GetProperty("status").GetString().ShouldBe("Captured");
        payment.GetProperty("balances").GetProperty("available_to_refund").GetInt64().ShouldBe(1000);
    }

    [Fact]
    public async Task a_refund_beyond_the_available_balance_is_422_counting_refunds_in_flight()
    {
        (await Refund(new { amount = 700 })).Status.ShouldBe(HttpStatusCode.Accepted);

        var (status, body) = await Refund(new { amount = 400 });

        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        body.GetProperty("error_codes").EnumerateArray().Select(e => e.GetString()).ShouldBe(["refund_amount_exceeds_balance"]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(105)]
    [InlineData(-10)]
    public async Task an_amount_breaking_the_kwd_rule_is_422(long amount)
    {
        var (status, body) = await Refund(new { amount });

        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        body.GetProperty("error_codes").EnumerateArray().Select(e => e.GetString()).ShouldBe(["amount_invalid"]);
    }

    [Fact]
    public async Task a_reference_over_50_characters_is_422()
    {
        (await Refund(new { amount = 100, reference = new string('r', 51) })).Status.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task the_same_idempotency_key_refunds_once()
    {
        async Task<string> Post()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/payments/{_id}/refunds") { Content = JsonContent.Create(new { amount = 200 }) };
            request.Headers.Add("Cko-Idempotency-Key", "refund-key");
            using var response = await _sandbox.Client.SendAsync(request);
            return await response.Content.ReadAsStringAsync();
        }

        (await Post()).ShouldBe(await Post());
        (await _sandbox.Client.GetFromJsonAsync<JsonElement>($"/payments/{_id}/actions")).GetArrayLength().ShouldBe(2);
    }
}

public sealed class when_a_payment_that_is_not_captured_is_refunded
{
    [Fact]
    public async Task the_refund_is_403_and_an_unknown_payment_404()
    {
        await using var sandbox = await SandboxServer.StartAsync();
        var (id, _) = await sandbox.CreatePaymentAsync();

        using var pending = await sandbox.Client.PostAsJsonAsync($"/payments/{id}/refunds", new { amount = 100 });
        using var unknown = await sandbox.Client.PostAsJsonAsync("/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaaaa/refunds", new { amount = 100 });

        pending.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await pending.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_type").GetString().ShouldBe("operation_not_allowed");
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
