using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// Checkout.com's webhooks lost (the sandbox's <c>DropWebhooks</c> fault): the customer comes back from the KNET page
/// with <c>cko-session-id</c>, the merchant's site calls the verified return, and the answer is the truth at once
/// (docs/architecture.md, "Verified return").
/// </summary>
public sealed class when_webhooks_are_lost_and_the_customer_returns(PostgresDatabase database) : IAsyncLifetime
{
    private Wired _e2e = null!;

    public async ValueTask InitializeAsync()
    {
        _e2e = await Wired.StartAsync(database, "e2e_return");
        await _e2e.SetSandboxFaultsAsync(new { drop_webhooks = true });
    }

    public async ValueTask DisposeAsync() => await _e2e.DisposeAsync();

    /// <summary>Pays (or not) on the KNET page, then calls the return with the session id the browser came back with.</summary>
    private async Task<(Guid Id, HttpStatusCode Status, JsonElement Payment)> PayAndReturnAsync(string expiry = "09/2025", string pin = "1234", bool cancel = false)
    {
        var (id, redirect) = await _e2e.CreatePaymentAsync(returnUrl: "https://shop.example/receipt?order=ORD-5023-4E89");
        var back = await _e2e.PayOnKnetPageAsync(redirect, expiry, pin, cancel);
        var sessionId = System.Web.HttpUtility.ParseQueryString(back.Query)["cko-session-id"];
        sessionId.ShouldNotBeNull().ShouldMatch("^sid_[a-z2-7]{26}$");
        using var response = await _e2e.Service.PostAsJsonAsync($"/payments/{id}/return", new { sessionId });
        return (id, response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private async Task<string[]> Causes(Guid id) =>
        [.. (await _e2e.StreamAsync(id)).Skip(2).Select(e => e.Headers!["cause"].ToString()!.Split(' ')[0])];

    [Fact]
    public async Task the_test_card_is_captured_with_knets_record_without_a_webhook()
    {
        var (id, status, payment) = await PayAndReturnAsync();

        status.ShouldBe(HttpStatusCode.OK);
        payment.GetProperty("status").GetString().ShouldBe("Captured");
        payment.GetProperty("capturedAmount").GetInt64().ShouldBe(1000);
        var knet = payment.GetProperty("knet");
        knet.GetProperty("result").GetString().ShouldBe("CAPTURED");
        knet.GetProperty("paymentId").GetString()!.Length.ShouldBe(18);
        knet.GetProperty("transactionId").GetString().ShouldNotBeNullOrEmpty();
        knet.GetProperty("bankReference").GetString().ShouldNotBeNullOrEmpty();
        knet.GetProperty("postDate").GetString().ShouldNotBeNullOrEmpty();
        (await _e2e.StreamAsync(id)).Select(e => e.EventTypeName).ShouldBe(
            ["payment_requested", "payment_pending", "payment_captured", "knet_details_recorded"]);
        var pay = payment.GetProperty("checkoutPaymentId").GetString();
        (await Causes(id)).ShouldBe([$"return:{pay}", $"return:{pay}"]);
        (await _e2e.GetPaymentAsync(id)).GetProperty("status").GetString().ShouldBe("Captured");
    }

    [Fact]
    public async Task a_wrong_pin_is_declined_and_a_cancel_is_canceled_without_a_webhook()
    {
        var (declined, declinedStatus, declinedPayment) = await PayAndReturnAsync(pin: "0000");
        var (canceled, canceledStatus, canceledPayment) = await PayAndReturnAsync(cancel: true);

        (declinedStatus, declinedPayment.GetProperty("status").GetString()).ShouldBe((HttpStatusCode.OK, "Declined"));
        declinedPayment.GetProperty("knet").GetProperty("result").GetString().ShouldBe("NOT CAPTURED");
        (await _e2e.StreamAsync(declined)).Select(e => e.EventTypeName).ShouldBe(
            ["payment_requested", "payment_pending", "payment_capture_declined", "knet_details_recorded"]);
        (canceledStatus, canceledPayment.GetProperty("status").GetString()).ShouldBe((HttpStatusCode.OK, "Canceled"));
        canceledPayment.GetProperty("knet").GetProperty("result").GetString().ShouldBe("CANCELED");
        (await _e2e.StreamAsync(canceled)).Select(e => e.EventTypeName).ShouldBe(
            ["payment_requested", "payment_pending", "payment_canceled", "knet_details_recorded"]);
        (await Causes(canceled)).ShouldAllBe(cause => cause.StartsWith("return:pay_", StringComparison.Ordinal));
    }
}
