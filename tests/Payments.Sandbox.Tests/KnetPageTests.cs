using System.Net;
using System.Text.Json;
using Payments.Sandbox.Tests.Fixtures;
using Shouldly;

namespace Payments.Sandbox.Tests;

/// <summary>The customer's side: the redirect link, the card form, the confirm step, by real HTTP form posts.</summary>
public sealed class when_the_customer_uses_the_knet_page : IAsyncLifetime
{
    private SandboxServer _sandbox = null!;

    public async ValueTask InitializeAsync() => _sandbox = await SandboxServer.StartAsync();

    public async ValueTask DisposeAsync() => await _sandbox.DisposeAsync();

    private static string Token(string redirect) => redirect.Split('/')[^2];

    private async Task<HttpResponseMessage> Post(string redirect, string step, Dictionary<string, string> form) =>
        await _sandbox.Browser.PostAsync($"/knet-external/redirect/{Token(redirect)}/{step}", new FormUrlEncodedContent(form));

    private static Dictionary<string, string> Card(string expiryMonth = "09", string expiryYear = "2025", string pin = "1234") => new()
    {
        ["bank"] = "KNET1", ["card"] = "8888880000000001", ["month"] = expiryMonth, ["year"] = expiryYear, ["pin"] = pin,
        ["action"] = "submit",
    };

    private async Task<(string Id, string Redirect)> OpenPage()
    {
        var (id, redirect) = await _sandbox.CreatePaymentAsync();
        using var page = await _sandbox.Browser.GetAsync(redirect);
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        return (id, redirect);
    }

    private async Task<string[]> WebhookTypes(int count) =>
        [.. (await _sandbox.Receiver.WaitForAsync(count)).Select(w => w.Type)];

    [Fact]
    public async Task the_page_offers_the_test_bank_and_the_configured_expiry_year_even_though_it_has_passed()
    {
        var (_, redirect) = await _sandbox.CreatePaymentAsync();

        var html = await _sandbox.Browser.GetStringAsync(redirect);

        html.ShouldContain("<option value=\"KNET1\">Knet Test Card [KNET1]</option>");
        html.ShouldContain("<option value=\"2025\">2025</option>");
        html.ShouldContain("name=\"card\"");
        html.ShouldContain("name=\"pin\" type=\"password\"");
        html.ShouldContain("value=\"cancel\"");
        html.ShouldContain("1.000 KWD");
        html.ShouldNotContain("<script");
    }

    [Fact]
    public async Task the_test_card_with_the_configured_expiry_and_pin_1234_is_captured()
    {
        var (id, redirect) = await OpenPage();

        using var confirm = await Post(redirect, "submit", Card());
        confirm.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await confirm.Content.ReadAsStringAsync()).ShouldContain("888888******0001");
        using var done = await Post(redirect, "confirm", new() { ["action"] = "confirm" });

        done.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var payment = await _sandbox.GetPaymentAsync(id);
        var session = payment.GetProperty("status").GetString() is "Captured" ? done.Headers.Location!.Query : "";
        session.ShouldMatch("^\\?cko-session-id=sid_[a-z2-7]{26}$");
        done.Headers.Location!.GetLeftPart(UriPartial.Path).ShouldBe("https://shop.example/knet/ok");
        payment.GetProperty("approved").GetBoolean().ShouldBeTrue();
        var source = payment.GetProperty("source");
        source.GetProperty("knet_result").GetString().ShouldBe("CAPTURED");
        source.GetProperty("knet_payment_id").GetString()!.Length.ShouldBe(18);
        source.GetProperty("bank_reference").GetString()!.Length.ShouldBe(12);
        source.GetProperty("knet_transaction_id").GetString()!.Length.ShouldBe(15);
        source.GetProperty("auth_code").GetString()!.Length.ShouldBe(6);
        source.GetProperty("auth_response_code").GetString().ShouldBe("00");
        source.GetProperty("post_date").GetString()!.Length.ShouldBe(4);
        source.GetProperty("avr").GetString().ShouldBe("N");
        payment.GetProperty("balances").GetProperty("available_to_refund").GetInt64().ShouldBe(1000);
        (await WebhookTypes(3)).ShouldBe(["payment_pending", "payment_capture_pending", "payment_captured"]);

        var bySession = await _sandbox.GetPaymentAsync(session["?cko-session-id=".Length..]);
        bySession.GetProperty("id").GetString().ShouldBe(id);
        bySession.GetProperty("actions")[0].GetProperty("type").GetString().ShouldBe("Capture");
    }

    [Theory]
    [InlineData("10", "2025", "1234", "54")]
    [InlineData("09", "2030", "1234", "54")]
    [InlineData("09", "2025", "4321", "55")]
    public async Task another_expiry_or_pin_is_not_captured_and_declined(string month, string year, string pin, string authResponse)
    {
        var (id, redirect) = await OpenPage();

        (await Post(redirect, "submit", Card(month, year, pin))).StatusCode.ShouldBe(HttpStatusCode.OK);
        using var done = await Post(redirect, "confirm", new() { ["action"] = "confirm" });

        done.Headers.Location!.GetLeftPart(UriPartial.Path).ShouldBe("https://shop.example/knet/fail");
        var payment = await _sandbox.GetPaymentAsync(id);
        payment.GetProperty("status").GetString().ShouldBe("Declined");
        payment.GetProperty("approved").GetBoolean().ShouldBeFalse();
        payment.GetProperty("source").GetProperty("knet_result").GetString().ShouldBe("NOT CAPTURED");
        payment.GetProperty("source").GetProperty("auth_response_code").GetString().ShouldBe(authResponse);
        (await WebhookTypes(2)).ShouldBe(["payment_pending", "payment_capture_declined"]);
    }

    [Fact]
    public async Task cancel_on_the_card_form_cancels_the_payment()
    {
        var (id, redirect) = await OpenPage();

        using var done = await Post(redirect, "submit", new() { ["action"] = "cancel" });

        done.Headers.Location!.ToString().ShouldStartWith("https://shop.example/knet/fail?cko-session-id=sid_");
        var payment = await _sandbox.GetPaymentAsync(id);
        payment.GetProperty("status").GetString().ShouldBe("Canceled");
        payment.GetProperty("source").GetProperty("knet_result").GetString().ShouldBe("CANCELED");
        payment.GetProperty("source").TryGetProperty("auth_code", out _).ShouldBeFalse();
        (await WebhookTypes(2)).ShouldBe(["payment_pending", "payment_canceled"]);
    }

    [Fact]
    public async Task cancel_on_the_confirm_step_cancels_the_payment()
    {
        var (id, redirect) = await OpenPage();
        (await Post(redirect, "submit", Card())).StatusCode.ShouldBe(HttpStatusCode.OK);

        using var done = await Post(redirect, "confirm", new() { ["action"] = "cancel" });

        done.Headers.Location!.GetLeftPart(UriPartial.Path).ShouldBe("https://shop.example/knet/fail");
        (await _sandbox.GetPaymentAsync(id)).GetProperty("status").GetString().ShouldBe("Canceled");
    }

    [Fact]
    public async Task opening_the_link_a_second_time_declines_with_ipay01000305()
    {
        var (id, redirect) = await OpenPage();

        using var second = await _sandbox.Browser.GetAsync(redirect);

        second.Headers.Location!.GetLeftPart(UriPartial.Path).ShouldBe("https://shop.example/knet/fail");
        var payment = await _sandbox.GetPaymentAsync(id);
        payment.GetProperty("status").GetString().ShouldBe("Declined");
        payment.GetProperty("source").GetProperty("error").GetString().ShouldBe("IPAY01000305");
        payment.GetProperty("source").GetProperty("error_text").GetString().ShouldBe("IPAY01000305-Duplicate Merchant Track Id.");
        (await WebhookTypes(2)).ShouldBe(["payment_pending", "payment_canceled"]);
    }

    [Fact]
    public async Task incomplete_entries_show_the_form_again_and_decide_nothing()
    {
        var (id, redirect) = await OpenPage();

        using var again = await Post(redirect, "submit", new() { ["bank"] = "KNET1", ["card"] = "1234", ["action"] = "submit" });

        again.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var html = await again.Content.ReadAsStringAsync();
        html.ShouldContain("Please enter the 16-digit card number.");
        html.ShouldContain("Please enter your 4-digit PIN.");
        (await _sandbox.GetPaymentAsync(id)).GetProperty("status").GetString().ShouldBe("Pending");
    }

    [Fact]
    public async Task an_unknown_link_is_404()
    {
        using var response = await _sandbox.Browser.GetAsync("/knet-external/redirect/tok_aaaaaaaaaaaaaaaaaaaaaaaaaa/pay");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}

public sealed class when_the_knet_page_is_left_open
{
    [Fact]
    public async Task the_payment_expires_after_seven_minutes_divided_by_the_time_scale()
    {
        // 7 minutes ÷ 4200 = 100 ms.
        await using var sandbox = await SandboxServer.StartAsync(timeScale: 4200);
        var (id, redirect) = await sandbox.CreatePaymentAsync();
        using var page = await sandbox.Browser.GetAsync(redirect);

        var webhooks = await sandbox.Receiver.WaitForAsync(2);

        webhooks.Select(w => w.Type).ShouldBe(["payment_pending", "payment_expired"]);
        var payment = await sandbox.GetPaymentAsync(id);
        payment.GetProperty("status").GetString().ShouldBe("Expired");
        payment.GetProperty("source").GetProperty("error").GetString().ShouldBe("IPAY0100042");
        using var late = await sandbox.Browser.PostAsync($"/knet-external/redirect/{redirect.Split('/')[^2]}/submit",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = "submit" }));
        late.Headers.Location!.GetLeftPart(UriPartial.Path).ShouldBe("https://shop.example/knet/fail");
    }
}
