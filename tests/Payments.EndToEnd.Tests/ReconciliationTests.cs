using System.Net.Http.Json;
using System.Text.Json;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

public sealed class when_the_knet_page_is_left_open(PostgresDatabase database)
{
    [Fact]
    public async Task the_payment_expires_with_shrunk_timings()
    {
        // KNET's 7 minutes ÷ 700 = 600 ms at the sandbox, counted from the visit (or from creation if the customer is
        // slower than that to arrive — under load the page may already be expired, which is the point).
        await using var e2e = await Wired.StartAsync(database, "e2e_expiry", timeScale: 700);
        var (id, redirect) = await e2e.CreatePaymentAsync();
        using (await e2e.Sandbox.GetAsync(redirect))
        {
        }

        var expired = await e2e.PaymentInAsync(id, "Expired");

        expired.GetProperty("capturedAmount").GetInt64().ShouldBe(0);
        (await e2e.StreamAsync(id)).Select(e => e.EventTypeName).ShouldContain("payment_expired");
    }
}

public sealed class when_checkouts_webhooks_never_arrive(PostgresDatabase database)
{
    [Fact]
    public async Task the_scheduled_check_asks_checkout_and_records_the_capture_with_knet_details()
    {
        await using var e2e = await Wired.StartAsync(database, "e2e_reconcile",
            new Dictionary<string, string?> { ["Payments:OutcomeCheckAfter"] = "00:00:01" }, webhooks: false);
        var (id, redirect) = await e2e.CreatePaymentAsync();
        await e2e.PayOnKnetPageAsync(redirect);

        var payment = await Eventually.Until(() => e2e.GetPaymentAsync(id),
            p => p.GetProperty("status").GetString() == "Captured" && p.GetProperty("knet").ValueKind == JsonValueKind.Object);

        payment.GetProperty("knet").GetProperty("result").GetString().ShouldBe("CAPTURED");
        var stream = await e2e.StreamAsync(id);
        stream.Select(e => e.EventTypeName).ShouldBe(["payment_requested", "payment_pending", "payment_captured", "knet_details_recorded"]);
        stream[2].Headers!["cause"].ToString().ShouldBe("scheduled:ReconcilePayment#1");
    }

    [Fact]
    public async Task a_payment_still_pending_at_checkout_is_asked_again_then_flagged_for_review()
    {
        await using var e2e = await Wired.StartAsync(database, "e2e_reconcile_flag", new Dictionary<string, string?>
        {
            ["Payments:OutcomeCheckAfter"] = "00:00:00.300",
            ["Payments:OutcomeRetryDelays:0"] = "00:00:00.300",
            ["Payments:OutcomeRetryDelays:1"] = "00:00:00.300",
        }, webhooks: false);
        var (id, _) = await e2e.CreatePaymentAsync();

        var payment = await Eventually.Until(() => e2e.GetPaymentAsync(id), p => p.GetProperty("needsReview").GetBoolean());

        payment.GetProperty("status").GetString().ShouldBe("Pending");
        var flag = (await e2e.StreamAsync(id)).Single(e => e.EventTypeName == "payment_flagged_for_review");
        flag.Data.ShouldBeOfType<Payments.Domain.PaymentFlaggedForReview>().Reason.ShouldBe("still undecided at Checkout.com after 3 checks");
    }

    [Fact]
    public async Task a_refund_whose_webhooks_never_arrive_is_settled_from_checkouts_actions()
    {
        await using var e2e = await Wired.StartAsync(database, "e2e_reconcile_refund", new Dictionary<string, string?>
        {
            ["Payments:OutcomeCheckAfter"] = "00:00:00.500",
            ["Payments:RefundCheckAfter"] = "00:00:00.500",
            ["Payments:OutcomeRetryDelays:0"] = "00:00:00.300",
        }, webhooks: false);
        var (id, redirect) = await e2e.CreatePaymentAsync();
        await e2e.PayOnKnetPageAsync(redirect);
        await Eventually.Until(() => e2e.GetPaymentAsync(id),
            p => p.GetProperty("status").GetString() == "Captured" && p.GetProperty("knet").ValueKind == JsonValueKind.Object);

        using var refund = await e2e.Service.PostAsJsonAsync($"/payments/{id}/refunds", new { amount = 400 });
        refund.StatusCode.ShouldBe(System.Net.HttpStatusCode.Accepted);

        var payment = await e2e.PaymentInAsync(id, "PartiallyRefunded");
        payment.GetProperty("refunds")[0].GetProperty("status").GetString().ShouldBe("Succeeded");
        (await e2e.StreamAsync(id))[^1].Headers!["cause"].ToString()!.ShouldStartWith("scheduled:ReconcileRefund#");
    }
}
