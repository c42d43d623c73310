using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Domain;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// "Settle an unknown" against the sandbox's real Checkout.com API: a request it never processed fails, one whose
/// answer was lost is found by its reference and our id in its metadata, and applied.
/// </summary>
public sealed class when_an_operator_settles_a_request_whose_answer_was_lost(PostgresDatabase database)
{
    private const string Reason = "answer lost at 10:02, ticket OPS-311";

    [Fact]
    public async Task a_request_checkout_never_processed_fails_and_one_it_did_is_applied_from_its_record()
    {
        // The scheduled ask-again waits an hour and no webhook comes: only the operator settles these payments here.
        await using var e2e = await Wired.StartAsync(database, "e2e_settle",
            new Dictionary<string, string?> { ["Payments:RequestRetryDelays:0"] = "01:00:00" }, webhooks: false);

        await e2e.SetSandboxFaultsAsync(new { reject_next_requests = 20 });
        var never = await RequestedAsync(e2e);
        await e2e.SetSandboxFaultsAsync(new { lose_next_responses = 20 });
        var lost = await RequestedAsync(e2e);
        await e2e.SetSandboxFaultsAsync(new { });
        (await e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(1);

        var (neverStatus, neverAfter) = await SettleAsync(e2e, never);
        var (lostStatus, lostAfter) = await SettleAsync(e2e, lost);

        neverStatus.ShouldBe(HttpStatusCode.OK);
        neverAfter.GetProperty("status").GetString().ShouldBe("Rejected");
        var neverStream = await e2e.StreamAsync(never);
        neverStream[^1].Data.ShouldBeOfType<PaymentAbandoned>();
        OperatorCause.ReasonOf(neverStream[^1].Headers!["cause"].ToString()).ShouldBe(Reason);

        lostStatus.ShouldBe(HttpStatusCode.OK, lostAfter.ToString());
        lostAfter.GetProperty("status").GetString().ShouldBe("Pending");
        var lostStream = await e2e.StreamAsync(lost);
        var pending = lostStream[^1].Data.ShouldBeOfType<PaymentPending>();
        pending.CheckoutPaymentId.ShouldBe((await e2e.CheckoutPaymentsAsync())[0].GetProperty("id").GetString());
        OperatorCause.ReasonOf(lostStream[^1].Headers!["cause"].ToString()).ShouldBe(Reason);
    }

    private static async Task<Guid> RequestedAsync(Wired e2e)
    {
        using var response = await e2e.Service.PostAsJsonAsync("/payments", Wired.PaymentBody());
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("status").GetString().ShouldBe("Requested");
        return body.GetProperty("id").GetGuid();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Payment)> SettleAsync(Wired e2e, Guid id)
    {
        using var response = await e2e.Service.PostAsJsonAsync($"/operations/payments/{id}/settle", new { reason = Reason });
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
