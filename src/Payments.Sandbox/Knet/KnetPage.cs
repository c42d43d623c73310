using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using Payments.Sandbox.Api;

namespace Payments.Sandbox.Knet;

/// <summary>
/// The hosted KNET page behind <c>_links.redirect</c>: bank, card number, expiry and PIN, Submit, then Confirm; Cancel
/// on both steps. Plain HTML forms, no JavaScript. The link works once: KNET fails a second visit.
/// </summary>
public static class KnetPage
{
    public const string TestCard = "8888880000000001";
    public const string TestBank = "KNET1";
    public const string TestPin = "1234";

    private static readonly (string Code, string Name)[] Banks =
    [
        ("ABK", "Al Ahli Bank of Kuwait [ABK]"),
        ("KFH", "Kuwait Finance House [KFH]"),
        ("NBK", "National Bank of Kuwait [NBK]"),
        (TestBank, "Knet Test Card [KNET1]"),
    ];

    public static void MapKnetPage(this WebApplication app)
    {
        var page = app.MapGroup("/knet-external/redirect/{token}");
        page.MapGet("/pay", Open);
        page.MapPost("/submit", Submit).DisableAntiforgery();
        page.MapPost("/confirm", Confirm).DisableAntiforgery();
    }

    private static IResult Open(string token, PaymentStore store, PaymentLifecycle lifecycle, IOptionsMonitor<SandboxOptions> options, TimeProvider time)
    {
        if (store.FindByToken(token) is not { } payment)
        {
            return Html(Layout("Payment not found", "<p class=\"error\">This payment link is not valid.</p>"), 404);
        }

        return lifecycle.OpenPage(payment) switch
        {
            PageOpening.Opened => Html(CardForm(payment, options.CurrentValue, time, null)),
            PageOpening.Reused => Finish(payment),
            _ => Html(Layout("Payment already processed",
                $"<p class=\"error\">This payment has already been processed ({Encode(payment.Status)}).</p>"), 409),
        };
    }

    private static async Task<IResult> Submit(
        string token, HttpRequest request, PaymentStore store, PaymentLifecycle lifecycle,
        IOptionsMonitor<SandboxOptions> options, TimeProvider time)
    {
        if (store.FindByToken(token) is not { } payment)
        {
            return Html(Layout("Payment not found", "<p class=\"error\">This payment link is not valid.</p>"), 404);
        }

        var form = await request.ReadFormAsync();
        if (lifecycle.ExpireIfDue(payment) || payment.IsDecided || payment.Page != PageState.Open)
        {
            return Finish(payment);
        }

        if (form["action"] == "cancel")
        {
            lifecycle.Complete(payment, KnetOutcome.Canceled);
            return Finish(payment);
        }

        var bank = form["bank"].ToString();
        var card = new string(form["card"].ToString().Where(char.IsAsciiDigit).ToArray());
        var month = form["month"].ToString();
        var year = form["year"].ToString();
        var pin = form["pin"].ToString();
        var problems = new List<string>();
        if (string.IsNullOrEmpty(bank))
        {
            problems.Add("Please select your bank.");
        }

        if (card.Length != 16)
        {
            problems.Add("Please enter the 16-digit card number.");
        }

        if (!int.TryParse(month, CultureInfo.InvariantCulture, out var m) || m is < 1 or > 12 || !int.TryParse(year, CultureInfo.InvariantCulture, out _))
        {
            problems.Add("Please select the expiry month and year.");
        }

        if (pin.Length != 4 || !pin.All(char.IsAsciiDigit))
        {
            problems.Add("Please enter your 4-digit PIN.");
        }

        if (problems.Count > 0)
        {
            return Html(CardForm(payment, options.CurrentValue, time, problems), 400);
        }

        var check = Check(bank, card, $"{month}/{year}", pin, options.CurrentValue.SuccessExpiry);
        lock (payment.Gate)
        {
            if (payment.IsDecided || payment.Page != PageState.Open)
            {
                return Finish(payment);
            }

            payment.Entered = check;
            payment.Page = PageState.Confirming;
        }

        return Html(ConfirmForm(payment, check));
    }

    private static async Task<IResult> Confirm(string token, HttpRequest request, PaymentStore store, PaymentLifecycle lifecycle)
    {
        if (store.FindByToken(token) is not { } payment)
        {
            return Html(Layout("Payment not found", "<p class=\"error\">This payment link is not valid.</p>"), 404);
        }

        var form = await request.ReadFormAsync();
        if (lifecycle.ExpireIfDue(payment) || payment.IsDecided || payment.Page != PageState.Confirming)
        {
            return Finish(payment);
        }

        var check = payment.Entered;
        var outcome = form["action"] == "cancel" ? KnetOutcome.Canceled
            : check is { Approves: true } ? KnetOutcome.Captured : KnetOutcome.NotCaptured;
        lifecycle.Complete(payment, outcome, check);
        return Finish(payment);
    }

    /// <summary>The test card approves only with the configured expiry and PIN 1234, as KNET's sandbox does.</summary>
    public static CardCheck Check(string bank, string card, string expiry, string pin, string successExpiry)
    {
        var masked = card.Length >= 10 ? $"{card[..6]}******{card[^4..]}" : "****";
        if (bank != TestBank || card != TestCard)
        {
            return new CardCheck(false, "14", masked);
        }

        if (expiry != successExpiry)
        {
            return new CardCheck(false, "54", masked);
        }

        return pin == TestPin ? new CardCheck(true, "00", masked) : new CardCheck(false, "55", masked);
    }

    /// <summary>Back to the merchant: success URL when captured, failure URL otherwise, with <c>cko-session-id</c>.</summary>
    private static IResult Finish(SandboxPayment payment)
    {
        var captured = payment.Status == PaymentStatuses.Captured;
        var target = captured ? payment.SuccessUrl : payment.FailureUrl;
        if (target is not null)
        {
            var separator = target.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            return Results.Redirect($"{target}{separator}cko-session-id={payment.SessionId}");
        }

        var result = captured ? "CAPTURED"
            : payment.Source.Error is { } error ? error : payment.Source.KnetResult ?? payment.Status.ToUpperInvariant();
        return Html(Layout("Payment result",
            $"<p class=\"{(captured ? "ok" : "error")}\">Result: {Encode(result)}</p><p>Payment {Encode(payment.Id)}</p>"));
    }

    private static string CardForm(SandboxPayment payment, SandboxOptions options, TimeProvider time, IReadOnlyList<string>? problems)
    {
        var years = Years(options.SuccessExpiry, time);
        var body = new StringBuilder();
        body.Append(Summary(payment));
        if (problems is { Count: > 0 })
        {
            body.Append("<ul class=\"error\">");
            foreach (var problem in problems)
            {
                body.Append(CultureInfo.InvariantCulture, $"<li>{Encode(problem)}</li>");
            }

            body.Append("</ul>");
        }

        body.Append(CultureInfo.InvariantCulture, $"""
            <form method="post" action="/knet-external/redirect/{Encode(payment.Token)}/submit">
              <label for="bank">Select Your Bank</label>
              <select id="bank" name="bank">
                <option value="">Select Your Bank</option>
                {string.Concat(Banks.Select(b => $"<option value=\"{b.Code}\">{Encode(b.Name)}</option>"))}
              </select>
              <label for="card">Card Number</label>
              <input id="card" name="card" inputmode="numeric" autocomplete="off" maxlength="19">
              <label>Expiration Date</label>
              <span class="expiry">
                <select id="month" name="month" aria-label="Expiry month">
                  <option value="">MM</option>
                  {string.Concat(Enumerable.Range(1, 12).Select(mm => $"<option value=\"{mm:00}\">{mm:00}</option>"))}
                </select>
                <select id="year" name="year" aria-label="Expiry year">
                  <option value="">YYYY</option>
                  {string.Concat(years.Select(y => $"<option value=\"{y}\">{y}</option>"))}
                </select>
              </span>
              <label for="pin">PIN</label>
              <input id="pin" name="pin" type="password" inputmode="numeric" autocomplete="off" maxlength="4">
              <div class="buttons">
                <button type="submit" name="action" value="submit" id="submit">Submit</button>
                <button type="submit" name="action" value="cancel" id="cancel" class="secondary">Cancel</button>
              </div>
            </form>
            """);
        return Layout("KNET Payment", body.ToString());
    }

    private static string ConfirmForm(SandboxPayment payment, CardCheck check) => Layout("Confirm payment", $"""
        {Summary(payment)}
        <p>Card: <span id="masked-card">{Encode(check.MaskedCard)}</span></p>
        <form method="post" action="/knet-external/redirect/{Encode(payment.Token)}/confirm">
          <div class="buttons">
            <button type="submit" name="action" value="confirm" id="confirm">Confirm</button>
            <button type="submit" name="action" value="cancel" id="cancel" class="secondary">Cancel</button>
          </div>
        </form>
        """);

    private static string Summary(SandboxPayment payment) =>
        $"""
        <dl class="summary">
          <dt>Merchant reference</dt><dd>{Encode(payment.Reference ?? "-")}</dd>
          <dt>Amount</dt><dd id="amount">{payment.Amount / 1000}.{payment.Amount % 1000:000} {Encode(payment.Currency)}</dd>
        </dl>
        """;

    /// <summary>This year and ten more, plus the configured success year even when it has passed (2025 has).</summary>
    public static IReadOnlyList<int> Years(string successExpiry, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetUtcNow().Year;
        var years = Enumerable.Range(now, 11).ToList();
        if (successExpiry.Split('/') is [_, var y] && int.TryParse(y, CultureInfo.InvariantCulture, out var success) && !years.Contains(success))
        {
            years.Add(success);
        }

        return [.. years.Order()];
    }

    private static string Layout(string title, string body) => $$"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <title>{{Encode(title)}}</title>
          <style>
            body { font-family: Arial, sans-serif; background: #eef2f7; margin: 0; }
            header { background: #0b3d91; color: #fff; padding: 14px 20px; font-weight: bold; letter-spacing: .05em; }
            main { max-width: 420px; margin: 24px auto; background: #fff; padding: 20px 24px; border-radius: 6px; box-shadow: 0 1px 4px #0002; }
            label { display: block; margin-top: 12px; font-size: 13px; color: #333; }
            input, select { width: 100%; padding: 8px; margin-top: 4px; box-sizing: border-box; }
            .expiry { display: flex; gap: 8px; }
            .buttons { display: flex; gap: 12px; margin-top: 20px; }
            button { flex: 1; padding: 10px; background: #0b3d91; color: #fff; border: 0; border-radius: 4px; font-size: 15px; }
            button.secondary { background: #8a8f98; }
            .error { color: #b00020; } .ok { color: #1b7f3b; }
            dl.summary { display: grid; grid-template-columns: auto 1fr; gap: 4px 12px; } dt { color: #666; }
          </style>
        </head>
        <body>
          <header>KNET Payment Gateway · Sandbox</header>
          <main>
            <h1 style="font-size:18px">{{Encode(title)}}</h1>
            {{body}}
          </main>
        </body>
        </html>
        """;

    private static string Encode(string value) => WebUtility.HtmlEncode(value);

    private static IResult Html(string html, int status = 200) =>
        Results.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
}
