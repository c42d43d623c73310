using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>A customer in a real browser (<see cref="Chromium"/>) pays on the sandbox's KNET page.</summary>
public sealed class when_a_customer_pays_in_a_real_browser(PostgresDatabase database)
{
    [Fact]
    public async Task headless_chromium_pays_with_the_test_card_and_the_payment_is_captured()
    {
        await using var e2e = await Wired.StartAsync(database, "e2e_browser");
        var (id, redirect) = await e2e.CreatePaymentAsync(returnUrl: $"{e2e.SandboxUrl}/");
        using (var browser = new Chromium())
        {
            browser.Open(redirect);
            browser.Select("#bank", "KNET1");
            browser.Type("#card", "8888880000000001");
            browser.Select("#month", "09");
            browser.Select("#year", "2025");
            browser.Type("#pin", "1234");
            browser.Find("#submit").Click();
            browser.Text("#masked-card").ShouldBe("888888******0001");

            // Back at the merchant's success URL (the sandbox's home page here), carrying the session id. Wait for the
            // navigation itself: an element found too early belongs to the page being left.
            await browser.ClickAndWaitAsync("#confirm", url => url.StartsWith($"{e2e.SandboxUrl}/?cko-session-id=sid_", StringComparison.Ordinal),
                "back at the success URL");
            browser.Text("body").ShouldStartWith("Checkout.com KNET sandbox");
        }

        var payment = await e2e.PaymentInAsync(id, "Captured");
        payment.GetProperty("capturedAmount").GetInt64().ShouldBe(1000);
    }
}
