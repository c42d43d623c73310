using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// The receipt's states that the browser walk does not reach, over real HTTP against the real stack: a payment still
/// at KNET, a return whose session Checkout.com does not know, an order the shop never had, and the payments service
/// not answering (a second shop pointed at a port nobody listens on). Each says what happened and what to do next, with
/// the status code a monitor would see, and never a stack trace.
/// </summary>
public sealed class when_a_customer_returns_to_the_shop_without_a_clear_outcome(PostgresDatabase database) : IAsyncLifetime
{
    private Wired _e2e = null!;
    private WebApplication _shop = null!;
    private WebApplication _shopWithoutService = null!;
    private HttpClient _browser = null!;
    private HttpClient _browserOfTheCutOffShop = null!;

    public async ValueTask InitializeAsync()
    {
        _e2e = await Wired.StartAsync(database, "e2e_shop_states");
        (_shop, _browser) = await StartShopAsync(_e2e.ServiceUrl);
        // Port 9 (discard) has no listener here: every call of this shop to the payments service is refused.
        (_shopWithoutService, _browserOfTheCutOffShop) = await StartShopAsync("http://127.0.0.1:9");
    }

    public async ValueTask DisposeAsync()
    {
        _browser.Dispose();
        _browserOfTheCutOffShop.Dispose();
        await _shop.DisposeAsync();
        await _shopWithoutService.DisposeAsync();
        await _e2e.DisposeAsync();
    }

    private static async Task<(WebApplication, HttpClient)> StartShopAsync(string paymentsUrl)
    {
        var (app, url) = await TestShop.StartAsync(paymentsUrl);
        return (app, new HttpClient { BaseAddress = new Uri(url) });
    }

    /// <summary>An order the shop started: a payment with a shop reference, Pending at KNET.</summary>
    private async Task<string> OrderAtKnetAsync()
    {
        var reference = $"SHOP-{string.Concat(Enumerable.Range(0, 16).Select(_ => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[Random.Shared.Next(32)]))}";
        using var shopKey = Wired.ClientOf(_e2e.ServiceUrl, Wired.ShopKey);
        using var created = await shopKey.PostAsJsonAsync("/payments", Wired.PaymentBody(1250, reference));
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        return reference;
    }

    private static async Task<(HttpStatusCode Status, string Page)> GetAsync(HttpClient browser, string path)
    {
        using var answer = await browser.GetAsync(new Uri(path, UriKind.Relative));
        return (answer.StatusCode, await answer.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task a_payment_still_at_knet_is_being_confirmed_with_a_way_to_look_again()
    {
        var order = await OrderAtKnetAsync();

        var (status, page) = await GetAsync(_browser, $"/receipt?order={order}");

        status.ShouldBe(HttpStatusCode.OK);
        page.ShouldContain("Confirming your payment");
        page.ShouldContain("We are confirming your payment with KNET.");
        page.ShouldContain($"<a id=\"refresh\" class=\"button\" href=\"/receipt?order={order}\">Refresh</a>");
    }

    [Fact]
    public async Task a_session_checkout_does_not_know_is_not_verified_and_changes_nothing()
    {
        var order = await OrderAtKnetAsync();

        var (status, page) = await GetAsync(_browser, $"/receipt?order={order}&cko-session-id=sid_{new string('a', 26)}");

        status.ShouldBe(HttpStatusCode.UnprocessableEntity);
        page.ShouldContain("We could not verify this payment's return from KNET.");
        page.ShouldContain("Back to the cart");
        (await GetAsync(_browser, $"/receipt?order={order}")).Page.ShouldContain("Confirming your payment");
    }

    [Fact]
    public async Task an_order_the_shop_never_had_is_404_and_so_is_a_malformed_reference()
    {
        var (unknown, page) = await GetAsync(_browser, "/receipt?order=SHOP-AAAAAAAAAAAAAAAA");
        var (malformed, _) = await GetAsync(_browser, "/receipt?order=%00%3Cscript%3E");

        unknown.ShouldBe(HttpStatusCode.NotFound);
        page.ShouldContain("We have no order SHOP-AAAAAAAAAAAAAAAA");
        malformed.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task the_payments_service_not_answering_is_503_with_a_message_and_no_detail()
    {
        var order = await OrderAtKnetAsync();

        var (status, page) = await GetAsync(_browserOfTheCutOffShop, $"/receipt?order={order}");

        status.ShouldBe(HttpStatusCode.ServiceUnavailable);
        page.ShouldContain("Our payment service is not answering right now. Your payment is safe; please refresh in a moment.");
        page.ShouldNotContain("Exception");
        page.ShouldNotContain("127.0.0.1:9");
    }
}

/// <summary>
/// "Pay with KNET" while Checkout.com is slower than the service's timeout: the service answers 202 without KNET's
/// link and the shop asks the customer to try again; pressing the same form again (the same order, so the same
/// Idempotency-Key and the same answer replayed) finds the link the service has recorded since, and goes to KNET. One
/// payment at Checkout.com. Before, the replayed 202 said "not answering" for as long as the key lived.
/// </summary>
public sealed class when_knet_is_slow_as_the_customer_pays(PostgresDatabase database) : IAsyncLifetime
{
    private Wired _e2e = null!;
    private WebApplication _shop = null!;
    private HttpClient _browser = null!;

    public async ValueTask InitializeAsync()
    {
        _e2e = await Wired.StartAsync(database, "e2e_shop_slow");
        (_shop, var url) = await TestShop.StartAsync(_e2e.ServiceUrl);
        // A browser: it keeps the antiforgery cookie and does not follow the redirect to KNET.
        _browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
    }

    public async ValueTask DisposeAsync()
    {
        _browser.Dispose();
        await _shop.DisposeAsync();
        await _e2e.DisposeAsync();
    }

    [Fact]
    public async Task the_same_form_pressed_again_goes_to_knet_once_the_link_is_known()
    {
        var cart = await _browser.GetStringAsync(new Uri("/", UriKind.Relative));
        var form = new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = System.Text.RegularExpressions.Regex.Match(cart, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value,
            ["OrderReference"] = System.Text.RegularExpressions.Regex.Match(cart, "name=\"OrderReference\" value=\"([^\"]+)\"").Groups[1].Value,
            ["Amount"] = "2.250",
            ["Email"] = "buyer@example.com",
            ["Language"] = "en",
        };
        form["__RequestVerificationToken"].ShouldNotBeEmpty();
        form["OrderReference"].ShouldStartWith("SHOP-");

        await _e2e.SetSandboxFaultsAsync(new { api_delay = "00:00:03" });
        using (var slow = await _browser.PostAsync(new Uri("/", UriKind.Relative), new FormUrlEncodedContent(form)))
        {
            await _e2e.SetSandboxFaultsAsync(new { });
            slow.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            (await slow.Content.ReadAsStringAsync()).ShouldContain("KNET is not answering right now. Please try again in a moment.");
        }

        // The service asks Checkout.com again with the same key and records the link.
        using var backOffice = Wired.ClientOf(_e2e.ServiceUrl, Wired.BackofficeKey);
        var listed = await Eventually.Until(
            async () => await backOffice.GetFromJsonAsync<System.Text.Json.JsonElement>($"/payments?reference={form["OrderReference"]}"),
            page => page.GetProperty("items").GetArrayLength() == 1, TimeSpan.FromSeconds(30));
        var id = listed.GetProperty("items")[0].GetProperty("id").GetGuid();
        // Pending may come first from the payment_pending webhook, without the link: wait for the link itself.
        var pending = await Eventually.Until(
            async () => await backOffice.GetFromJsonAsync<System.Text.Json.JsonElement>($"/payments/{id}"),
            payment => payment.GetProperty("redirectUrl").ValueKind == System.Text.Json.JsonValueKind.String, TimeSpan.FromSeconds(60));
        pending.GetProperty("status").GetString().ShouldBe("Pending");
        var link = pending.GetProperty("redirectUrl").GetString()!;

        using var again = await _browser.PostAsync(new Uri("/", UriKind.Relative), new FormUrlEncodedContent(form));

        again.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        again.Headers.Location.ShouldBe(new Uri(link));
        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(1);
    }
}
