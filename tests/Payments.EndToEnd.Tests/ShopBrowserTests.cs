using System.Net;
using Microsoft.AspNetCore.Builder;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// A customer in Chromium at the demo shop (src/Payments.Shop, hosted in this process on a real port, pointed at the
/// service of a <see cref="Wired"/> stack): cart → KNET page → receipt, for a payment, a decline, a cancel, and a
/// payment while the sandbox drops every webhook. One browser walks them all: each Chromium start costs seconds.
/// </summary>
public sealed class when_a_customer_shops_in_a_real_browser(PostgresDatabase database) : IAsyncLifetime
{
    private Wired _e2e = null!;
    private WebApplication _shop = null!;
    private string _shopUrl = "";

    public async ValueTask InitializeAsync()
    {
        _e2e = await Wired.StartAsync(database, "e2e_shop");
        (_shop, _shopUrl) = await TestShop.StartAsync(_e2e.ServiceUrl);
    }

    public async ValueTask DisposeAsync()
    {
        await _shop.DisposeAsync();
        await _e2e.DisposeAsync();
    }

    [Fact]
    [Trait("Category", "Browser")]
    public async Task the_receipt_shows_knets_record_for_a_payment_and_a_clear_way_back_after_a_decline_or_a_cancel()
    {
        using (var browser = new Chromium())
        {
            browser.Open($"{_shopUrl}/");
            browser.CheckPage("shop-cart");

            // 1. Paid with the test card: the receipt shows every field KNET requires.
            await CheckoutAsync(browser, "1.500", "buyer@example.com");
            PayOnKnetPage(browser, pin: "1234");
            await ReceiptAsync(browser);
            ShouldBePaid(browser, "1.500 KWD");
            browser.CheckPage("shop-receipt-paid");

            // 2. A wrong PIN: declined, with a way back to the same cart.
            await CheckoutAsync(browser, "2.250", "decline@example.com");
            PayOnKnetPage(browser, pin: "0000");
            await ReceiptAsync(browser);
            browser.Find("#title").Text.ShouldBe("Payment not completed", "decline");
            browser.Find("#message").Text.ShouldStartWith("Your bank declined the payment.");
            browser.Find("#result").Text.ShouldBe("NOT CAPTURED");
            browser.CheckPage("shop-receipt-declined");
            browser.Find("#try-again").Click();
            await Eventually.Until(() => Task.FromResult(browser.Url), url => url.StartsWith($"{_shopUrl}/?", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
            browser.Find("#amount").GetAttribute("value").ShouldBe("2.250");
            browser.Find("#email").GetAttribute("value").ShouldBe("decline@example.com");

            // 3. Canceled on the KNET page.
            await CheckoutAsync(browser, "3.000", "cancel@example.com");
            browser.Find("#bank option[value='KNET1']").Click();
            browser.Find("#cancel").Click();
            await ReceiptAsync(browser);
            browser.Find("#title").Text.ShouldBe("Payment not completed", "cancel");
            browser.Find("#message").Text.ShouldStartWith("You canceled the payment on the KNET page.");
            browser.CheckPage("shop-receipt-canceled");
            browser.Find("#try-again").GetAttribute("href").ShouldBe($"{_shopUrl}/?amount=3.000&email=cancel%40example.com");

            // 4. Every webhook dropped: the verified return alone makes the receipt right.
            await _e2e.SetSandboxFaultsAsync(new { drop_webhooks = true });
            await CheckoutAsync(browser, "0.750", "nowebhook@example.com");
            PayOnKnetPage(browser, pin: "1234");
            await ReceiptAsync(browser);
            ShouldBePaid(browser, "0.750 KWD");
        }
    }

    /// <summary>The cart: amount, e-mail, Pay with KNET; ends on the KNET page.</summary>
    private async Task CheckoutAsync(Chromium browser, string amount, string email)
    {
        browser.Open($"{_shopUrl}/");
        var field = browser.Find("#amount");
        field.Clear();
        field.SendKeys(amount);
        browser.Find("#email").SendKeys(email);
        browser.Find("#pay").Click();
        await Eventually.Until(() => Task.FromResult(browser.Url),
            url => url.StartsWith($"{_e2e.SandboxUrl}/knet-external/redirect/", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
    }

    private static void PayOnKnetPage(Chromium browser, string pin)
    {
        browser.Find("#bank option[value='KNET1']").Click();
        browser.Find("#card").SendKeys("8888880000000001");
        browser.Find("#month option[value='09']").Click();
        browser.Find("#year option[value='2025']").Click();
        browser.Find("#pin").SendKeys(pin);
        browser.Find("#submit").Click();
        browser.Find("#masked-card").Text.ShouldBe("888888******0001");
        browser.Find("#confirm").Click();
    }

    /// <summary>Waits for the navigation back to the shop's receipt, carrying the order and the session id.</summary>
    private async Task ReceiptAsync(Chromium browser) =>
        await Eventually.Until(() => Task.FromResult(browser.Url),
            url => url.StartsWith($"{_shopUrl}/receipt?order=SHOP-", StringComparison.Ordinal) && url.Contains("cko-session-id=sid_", StringComparison.Ordinal),
            TimeSpan.FromSeconds(15));

    private static void ShouldBePaid(Chromium browser, string amount)
    {
        browser.Find("#title").Text.ShouldBe("Payment successful");
        browser.Find("#result").Text.ShouldBe("CAPTURED");
        browser.Find("#amount").Text.ShouldBe(amount);
        browser.Find("#order-reference").Text.ShouldMatch("^SHOP-[A-Z2-7]{16}$");
        browser.Find("#knet-payment-id").Text.ShouldMatch("^[0-9]{18}$");
        browser.Find("#transaction-id").Text.ShouldMatch("^[0-9]+$");
        browser.Find("#bank-reference").Text.ShouldMatch("^[0-9]+$");
        browser.Find("#post-date").Text.ShouldMatch("^[0-9]{4}$");
        browser.Find("#date-time").Text.ShouldEndWith("(Kuwait time)");
    }
}
