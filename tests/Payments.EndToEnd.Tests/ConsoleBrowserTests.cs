using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// An operator in Chromium walks the console of a real stack: sign in, find a captured payment, read its timeline, see
/// it as it was at an earlier instant, refund part of it, see the refund in the timeline, replay a parked webhook from
/// attention, read the daily totals and reconcile a settlement day. axe-core checks every page on the way (<see cref="Chromium.CheckPage"/>).
/// </summary>
public sealed class when_an_operator_uses_the_console_in_a_real_browser(PostgresDatabase database)
{
    [Fact]
    [Trait("Category", "Browser")]
    public async Task sign_in_find_travel_back_refund_part_and_replay_a_parked_webhook()
    {
        await using var e2e = await Wired.StartAsync(database, "e2e_console",
            service: new Dictionary<string, string?>
            {
                ["EventStore:AsyncProjections"] = "true",
                ["Payments:UnknownPaymentRetryDelays:0"] = "00:00:00.100",
                ["Payments:UnknownPaymentRetryDelays:1"] = "00:00:00.100",
            });
        var (id, redirect) = await e2e.CreatePaymentAsync(amount: 1500);
        await e2e.PayOnKnetPageAsync(redirect);
        await e2e.PaymentInAsync(id, "Captured");
        using (var orphan = await e2e.PostWebhookAsync(JsonSerializer.Serialize(new
               {
                   id = "evt_console_orphan", type = "payment_captured", version = "1.0.29", created_on = "2026-11-24T10:00:00Z",
                   data = new { id = "pay_zzzzzzzzzzzzzzzzzzzzzzzzzz", amount = 1000, metadata = new { payment_id = Guid.CreateVersion7().ToString() } },
               })))
        {
            orphan.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        await Eventually.Until(() => e2e.Service.GetFromJsonAsync<JsonElement>("/webhooks/parked"), parked => parked.GetArrayLength() == 1);
        var console = $"{e2e.ServiceUrl}/console";
        using var browser = new Chromium();

        // Sign in: the console sends a visitor to the sign-in page and back where they were going.
        browser.Open(console);
        browser.Url.ShouldStartWith($"{console}/sign-in?returnUrl=");
        browser.CheckPage("console-sign-in");
        browser.Type("#apiKey", Wired.AdminKey);
        await browser.ClickAndWaitAsync("#sign-in", url => url == $"{console}/payments", "signed in");
        browser.Text("#operator").ShouldBe("admin-dev");
        browser.CheckPage("console-payments");

        // Find the payment by its reference and open it.
        browser.Type("#filter-reference", "ORD-5023-4E89");
        await browser.ClickAndWaitAsync("#apply-filters", url => url.Contains("reference=ORD-5023-4E89", StringComparison.Ordinal), "filtered");
        browser.FindAll("table#payments tbody tr").Count.ShouldBe(1);
        await browser.ClickAndWaitAsync($"tr#payment-{id} a", url => url == $"{console}/payments/{id}", "the payment");
        browser.Text("#status").ShouldBe("Captured");
        browser.Text("#knet-result").ShouldBe("CAPTURED");
        var timeline = browser.Text("table#timeline");
        timeline.ShouldContain("payment_requested");
        timeline.ShouldContain("payment_captured");
        browser.CheckPage("console-payment");

        // As it was at an instant between the request and the capture, beside the live state.
        var events = await e2e.Service.GetFromJsonAsync<JsonElement>($"/payments/{id}/events");
        var requested = events[0].GetProperty("timestamp").GetDateTimeOffset();
        var captured = events.EnumerateArray().First(e => e.GetProperty("type").GetString()!.Contains("captured", StringComparison.OrdinalIgnoreCase))
            .GetProperty("timestamp").GetDateTimeOffset();
        var instant = requested + ((captured - requested) / 2);
        var then = await e2e.Service.GetFromJsonAsync<JsonElement>(
            $"/payments/{id}/state?at={Uri.EscapeDataString(instant.ToString("O", CultureInfo.InvariantCulture))}");
        browser.Driver.ExecuteScript("document.getElementById('at').value = arguments[0]",
            instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture));
        await browser.ClickAndWaitAsync("#travel", url => url.Contains("at=", StringComparison.Ordinal), "time travel");
        browser.Text("#then-status").ShouldBe(then.GetProperty("status").GetString());
        browser.Text("#then-status").ShouldNotBe("Captured");
        browser.Text("#now-status").ShouldBe("Captured");
        browser.CheckPage("console-payment-as-it-was");

        // Refund 0.500 KWD of it; the refund is in the timeline.
        browser.Type("#refund-amount", "0.500");
        browser.Type("#refund-reference", "WALK-1");
        await browser.ClickAndWaitAsync("#refund-submit", url => url.Contains("refund=", StringComparison.Ordinal), "refund requested");
        browser.Text("#refund-message").ShouldContain("0.500");
        browser.Text("table#timeline").ShouldContain("refund_requested");
        browser.FindAll("table#refunds tbody tr").Count.ShouldBe(1);

        // Attention: the parked webhook, replayed by the operator.
        browser.Open($"{console}/attention");
        browser.Text("#parked").ShouldContain("evt_console_orphan");
        browser.CheckPage("console-attention");
        await browser.ClickAndWaitAsync("#parked button[data-action=replay]", url => url.StartsWith($"{console}/attention", StringComparison.Ordinal), "replayed");
        browser.Text("#action-message").ShouldContain("evt_console_orphan");
        browser.Text("#action-message").ShouldContain("admin-dev");

        // Daily totals with their chart.
        browser.Open($"{console}/totals");
        browser.FindAll("svg#totals-chart").Count.ShouldBe(1);
        browser.CheckPage("console-totals");

        // Settlement reconciliation: yesterday (the page's default) run now against the sandbox's report, then shown.
        browser.Open($"{console}/reconciliation");
        await browser.ClickAndWaitAsync("#run-reconciliation button", url => url.Contains("?date=", StringComparison.Ordinal), "reconciled");
        browser.Text("#action-message").ShouldContain("reconciled by admin-dev");
        browser.Text("#report-id").ShouldStartWith("rpt_");
        browser.CheckPage("console-reconciliation");
    }
}
