using System.Net;
using System.Text.RegularExpressions;
using Marten;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Tests.Fixtures;
using Payments.Testing;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>Reading a console page as a test: rows of a table and the text of an element, tags stripped.</summary>
internal static partial class ConsoleHtml
{
    /// <summary>The cells of every row of the table's body (or of its foot), as text.</summary>
    public static List<string[]> Rows(string html, string tableId, string part = "tbody")
    {
        var table = Regex.Match(html, $"<table id=\"{tableId}\"[^>]*>(.*?)</table>", RegexOptions.Singleline);
        table.Success.ShouldBeTrue($"no table#{tableId} in the page");
        var section = Regex.Match(table.Groups[1].Value, $"<{part}>(.*?)</{part}>", RegexOptions.Singleline);
        return [.. Regex.Matches(section.Groups[1].Value, "<tr[^>]*>(.*?)</tr>", RegexOptions.Singleline)
            .Select(row => Regex.Matches(row.Groups[1].Value, "<t[dh][^>]*>(.*?)</t[dh]>", RegexOptions.Singleline)
                .Select(cell => Text(cell.Groups[1].Value)).ToArray())];
    }

    /// <summary>The text of the element with this id (elements of one kind are not nested in these pages).</summary>
    public static string? TextOf(string html, string id)
    {
        var open = Regex.Match(html, $"<(\\w+)[^>]*\\bid=\"{Regex.Escape(id)}\"[^>]*>");
        if (!open.Success)
        {
            return null;
        }

        var tag = open.Groups[1].Value;
        var end = html.IndexOf($"</{tag}>", open.Index + open.Length, StringComparison.Ordinal);
        return Text(html[(open.Index + open.Length)..end]);
    }

    public static string?[] TextsOf(string html, params string[] ids) => [.. ids.Select(id => TextOf(html, id))];

    /// <summary>The value of an attribute of the element with this id.</summary>
    public static string? AttributeOf(string html, string id, string attribute)
    {
        var open = Regex.Match(html, $"<\\w+[^>]*\\bid=\"{Regex.Escape(id)}\"[^>]*>");
        var value = Regex.Match(open.Value, $"\\b{attribute}=\"([^\"]*)\"");
        return open.Success && value.Success ? WebUtility.HtmlDecode(value.Groups[1].Value) : null;
    }

    public static string Text(string fragment) =>
        Spaces().Replace(WebUtility.HtmlDecode(Tags().Replace(fragment, " ")), " ").Trim();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex("\\s+")]
    private static partial Regex Spaces();
}

/// <summary>The console's payments list: the API's filters and pages behind a form in KWD and dates (docs/architecture.md, "Operator console").</summary>
public class when_an_operator_lists_payments(AppFixture app) : HostTest(app)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);
    private readonly Dictionary<string, Guid> _ids = [];

    /// <summary>Six payments over three days, oldest first: (name, created, status, amount, refunded, flagged).</summary>
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await using var session = App.Store.LightweightSession();
        Seed(session, "a", Day.AddHours(1), "ORD-A", "one@example.com", 1_000, captured: true);
        Seed(session, "b", Day.AddHours(2), "ORD-B", "two@example.com", 2_500, captured: true, refunded: 500);
        Seed(session, "c", Day.AddDays(1).AddHours(3), "ORD-C", "one@example.com", 750, captured: false);
        Seed(session, "d", Day.AddDays(1).AddHours(4), "ORD-D", "one@example.com", 12_000, captured: true, flagged: true);
        Seed(session, "e", Day.AddDays(2).AddHours(5), "ORD-E", "three@example.com", 3_000, captured: true);
        Seed(session, "f", Day.AddDays(2).AddHours(6), "ORD-A", "two@example.com", 40, captured: false);
        await session.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    private void Seed(IDocumentSession session, string name, DateTimeOffset at, string reference, string email, long amount,
        bool captured, long refunded = 0, bool flagged = false)
    {
        var id = Guid.CreateVersion7(at);
        _ids[name] = id;
        var checkoutId = $"pay_console_{name}";
        var events = new List<object>
        {
            new PaymentRequested(id, new KnetPaymentRequest { Amount = amount, Reference = reference, Language = "en", CustomerEmail = email }, at),
            new PaymentPending(id, checkoutId, "https://knet.example/pay", at),
        };
        if (captured)
        {
            events.Add(new PaymentCaptured(id, checkoutId, "act_capture", amount, "10000", at.AddMinutes(1)));
        }

        if (refunded > 0)
        {
            var refundId = Guid.CreateVersion7(at);
            events.Add(new RefundRequested(id, refundId, refunded, null, at.AddMinutes(2)));
            events.Add(new RefundSucceeded(id, refundId, "act_refund", refunded, at.AddMinutes(3)));
        }

        if (flagged)
        {
            events.Add(new PaymentFlaggedForReview(id, "PaymentExpired act_e", PaymentStatus.Captured, "expired after captured", at.AddMinutes(4)));
        }

        session.Events.StartStream<Payment>(id, [.. events]);
    }

    private async Task<ConsoleClient> SignedIn()
    {
        var browser = new ConsoleClient(App.Host);
        (await browser.SignInAsync(ConsoleClient.BackofficeKey)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return browser;
    }

    private static Guid[] IdsIn(string html) =>
        [.. ConsoleHtml.Rows(html, "payments").Select(cells => Guid.Parse(cells[0]))];

    [Fact]
    public async Task every_payment_is_listed_newest_first_with_its_row_linking_to_it_and_the_page_totals()
    {
        using var browser = await SignedIn();

        var html = await browser.PageAsync("/console/payments");

        IdsIn(html).ShouldBe([_ids["f"], _ids["e"], _ids["d"], _ids["c"], _ids["b"], _ids["a"]]);
        ConsoleHtml.Rows(html, "payments").Single(r => r[0] == _ids["b"].ToString())
            .ShouldBe([_ids["b"].ToString(), "2026-11-24 02:00:00 UTC", "ORD-B", "two@example.com", "2.500 KWD", "PartiallyRefunded", "0.500 KWD", "No"]);
        ConsoleHtml.Rows(html, "payments").Single(r => r[0] == _ids["d"].ToString())[7].ShouldBe("Yes");
        html.ShouldContain($"<a class=\"mono\" href=\"/console/payments/{_ids["a"]}\">{_ids["a"]}</a>");
        ConsoleHtml.Rows(html, "payments", "tfoot").ShouldBe([["This page: 6 payments in KWD", "19.290 KWD", "", "0.500 KWD", ""]]);
        html.ShouldNotContain("id=\"next-page\"");
    }

    [Fact]
    public async Task the_filters_in_kwd_and_dates_select_exactly_the_matching_payments()
    {
        using var browser = await SignedIn();

        (await IdsOf("?status=Captured&status=PartiallyRefunded")).ShouldBe([_ids["e"], _ids["d"], _ids["b"], _ids["a"]]);
        (await IdsOf("?from=2026-11-25&to=2026-11-25")).ShouldBe([_ids["d"], _ids["c"]]);
        (await IdsOf("?from=2026-11-25")).ShouldBe([_ids["f"], _ids["e"], _ids["d"], _ids["c"]]);
        (await IdsOf("?reference=ORD-A")).ShouldBe([_ids["f"], _ids["a"]]);
        (await IdsOf("?email=one%40example.com&min=1&max=12")).ShouldBe([_ids["d"], _ids["a"]]);
        (await IdsOf("?min=0.75&max=2.5")).ShouldBe([_ids["c"], _ids["b"], _ids["a"]]);
        (await IdsOf("?status=Captured&email=one%40example.com&min=1.001")).ShouldBe([_ids["d"]]);
        var none = await browser.PageAsync("/console/payments?reference=nothing-like-this");
        ConsoleHtml.TextOf(none, "no-payments").ShouldBe("No payments match these filters.");

        async Task<Guid[]> IdsOf(string query) => IdsIn(await browser.PageAsync($"/console/payments{query}"));
    }

    [Fact]
    public async Task the_form_shows_the_filters_it_applied()
    {
        using var browser = await SignedIn();

        var html = await browser.PageAsync("/console/payments?status=Captured&reference=ORD-A&min=1.5");

        html.ShouldContain("<input type=\"checkbox\" id=\"filter-status-Captured\" name=\"status\" value=\"Captured\" checked=\"checked\">");
        html.ShouldContain("<input type=\"checkbox\" id=\"filter-status-Pending\" name=\"status\" value=\"Pending\">");
        ConsoleHtml.AttributeOf(html, "filter-reference", "value").ShouldBe("ORD-A");
        ConsoleHtml.AttributeOf(html, "filter-min", "value").ShouldBe("1.5");
        ConsoleHtml.AttributeOf(html, "filter-max", "value").ShouldBe("");
    }

    [Fact]
    public async Task the_next_page_link_carries_the_cursor_and_keeps_the_filters_and_totals_are_per_page()
    {
        using var browser = await SignedIn();

        var first = await browser.PageAsync("/console/payments?status=Captured&status=PartiallyRefunded&limit=3");
        var next = ConsoleHtml.AttributeOf(first, "next-page", "href")!;
        var second = await browser.PageAsync(next);

        IdsIn(first).ShouldBe([_ids["e"], _ids["d"], _ids["b"]]);
        ConsoleHtml.Rows(first, "payments", "tfoot").ShouldBe([["This page: 3 payments in KWD", "17.500 KWD", "", "0.500 KWD", ""]]);
        next.ShouldStartWith("/console/payments?status=Captured&status=PartiallyRefunded&limit=3&cursor=");
        IdsIn(second).ShouldBe([_ids["a"]]);
        ConsoleHtml.Rows(second, "payments", "tfoot").ShouldBe([["This page: 1 payment in KWD", "1.000 KWD", "", "0.000 KWD", ""]]);
        second.ShouldNotContain("id=\"next-page\"");
        ConsoleHtml.AttributeOf(second, "first-page", "href").ShouldBe("/console/payments?status=Captured&status=PartiallyRefunded&limit=3");
    }

    [Theory]
    [InlineData("?from=yesterday", "Created from: a date as yyyy-MM-dd, e.g. 2026-11-24.")]
    [InlineData("?to=2026-02-30", "Created to: a date as yyyy-MM-dd, e.g. 2026-11-24.")]
    [InlineData("?min=abc", "Minimum amount: an amount in KWD with at most three decimals, e.g. 1.500.")]
    [InlineData("?max=0.0005", "Maximum amount: an amount in KWD with at most three decimals, e.g. 1.500.")]
    [InlineData("?min=-1", "Minimum amount: an amount in KWD with at most three decimals, e.g. 1.500.")]
    [InlineData("?status=captured", "Status: One of: Requested, Pending, CapturePending, Captured, PartiallyRefunded, Refunded, Rejected, Declined, Canceled, Expired.")]
    [InlineData("?reference=ORD%00A", "Reference: Control characters (U+0000–U+001F) are not accepted.")]
    [InlineData("?cursor=not-a-cursor", "Page link: Pass back the nextCursor of the previous page unchanged.")]
    public async Task a_bad_filter_shows_its_message_with_400_and_lists_nothing(string query, string message)
    {
        using var browser = await SignedIn();

        using var answer = await browser.GetAsync($"/console/payments{query}");
        var html = await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        answer.StatusCode.ShouldBe(HttpStatusCode.BadRequest, html);
        ConsoleHtml.TextOf(html, "filter-error").ShouldBe(message);
        html.ShouldNotContain("<table id=\"payments\"");
    }
}

/// <summary>One payment in the console: its cards, KNET's record, its timeline and the payment as it was.</summary>
public class when_an_operator_opens_a_payment(AppFixture app) : HostTest(app)
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private readonly Guid _id = Guid.CreateVersion7(At);
    private const string CheckoutId = "pay_console_timeline";

    /// <summary>Three writes with three causes, as the service makes them: a merchant's request, a webhook, a read of Checkout.com.</summary>
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await Write("http:POST /payments by merchant-dev (0HNTRACE:00000001)", null,
            new PaymentRequested(_id, new KnetPaymentRequest { Amount = 1_500, Reference = "ORD-5023", Language = "en", CustomerEmail = "buyer@example.com" }, At));
        // The instant the tests travel to lies between the first write and the second, to the millisecond the form can say.
        var first = (await App.Store.Stream(_id))[0].Timestamp;
        await Eventually.Until(DatabaseNowAsync, now => now > first.AddMilliseconds(2));
        await Write("webhook:evt_captured", "act_capture",
            new PaymentPending(_id, CheckoutId, "https://knet.example/pay", At.AddMinutes(1)),
            new PaymentCaptured(_id, CheckoutId, "act_capture", 1_500, "10000", At.AddMinutes(2)));
        await Write($"checkout:GET /payments/{CheckoutId}", null, new KnetDetailsRecorded(_id, CheckoutId, new KnetDetails(
            "100201914315601265", "CAPTURED", null, "914310000349", "201914384388126", "B00775", "00", "1128", "A", null, null), At.AddMinutes(3)));
    }

    private async Task Write(string cause, string? actionId, params object[] events)
    {
        await using var session = App.Store.LightweightSession();
        session.SetHeader("cause", cause);
        if (actionId is not null)
        {
            session.SetHeader("checkout_action_id", actionId);
        }

        if (events[0] is PaymentRequested)
        {
            session.Events.StartStream<Payment>(_id, events);
        }
        else
        {
            session.Events.Append(_id, events);
        }

        await session.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    private async Task<DateTimeOffset> DatabaseNowAsync()
    {
        await using var session = App.Store.QuerySession();
        var micros = (await session.QueryAsync<long>("select (extract(epoch from clock_timestamp()) * 1000000)::bigint")).Single();
        return DateTimeOffset.FromUnixTimeMilliseconds(micros / 1000);
    }

    private async Task<ConsoleClient> SignedIn()
    {
        var browser = new ConsoleClient(App.Host);
        (await browser.SignInAsync(ConsoleClient.BackofficeKey)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return browser;
    }

    [Fact]
    public async Task the_cards_and_knets_fields_show_the_payment_as_it_is()
    {
        using var browser = await SignedIn();

        var html = await browser.PageAsync($"/console/payments/{_id}");

        ConsoleHtml.TextsOf(html, "status", "amount", "captured", "refunded", "refundable", "in-flight", "reference", "customer-email", "checkout-payment-id", "version")
            .ShouldBe(["Captured", "1.500 KWD", "1.500 KWD", "0.000 KWD", "1.500 KWD", "0.000 KWD", "ORD-5023", "buyer@example.com", CheckoutId, "4"]);
        ConsoleHtml.TextsOf(html, "knet-payment-id", "knet-result", "knet-bank-reference", "knet-transaction-id", "knet-auth-code", "knet-post-date")
            .ShouldBe(["100201914315601265", "CAPTURED", "914310000349", "201914384388126", "B00775", "1128"]);
        ConsoleHtml.TextOf(html, "refunds-none").ShouldBe("No refunds.");
        ConsoleHtml.TextOf(html, "review-flags-none").ShouldBe("No review flags.");
    }

    [Fact]
    public async Task the_timeline_lists_every_event_in_order_with_its_cause_and_principal()
    {
        using var browser = await SignedIn();
        var stream = await App.Store.Stream(_id);

        var rows = ConsoleHtml.Rows(await browser.PageAsync($"/console/payments/{_id}"), "timeline");

        string Time(int i) => stream[i].Timestamp.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", System.Globalization.CultureInfo.InvariantCulture);
        string Seq(int i) => stream[i].Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        rows.ShouldBe([
            [Seq(0), "1", Time(0), "payment_requested", "Requested 1.500 KWD, reference ORD-5023", "http:POST /payments by merchant-dev (0HNTRACE:00000001)", "merchant-dev", "State after this event (version 1)"],
            [Seq(1), "2", Time(1), "payment_pending", $"Created at Checkout.com as {CheckoutId}, customer sent to KNET", "webhook:evt_captured", "—", "State after this event (version 2)"],
            [Seq(2), "3", Time(2), "payment_captured", "Captured 1.500 KWD", "webhook:evt_captured", "—", "State after this event (version 3)"],
            [Seq(3), "4", Time(3), "knet_details_recorded", "KNET's record: result CAPTURED, KNET payment id 100201914315601265", $"checkout:GET /payments/{CheckoutId}", "—", "State after this event (version 4)"],
        ]);
    }

    [Fact]
    public async Task an_instant_between_two_events_shows_the_earlier_state_beside_the_live_one()
    {
        using var browser = await SignedIn();
        var stream = await App.Store.Stream(_id);
        var between = stream[0].Timestamp.ToUniversalTime().AddMilliseconds(1);
        var at = between.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
        stream[1].Timestamp.ShouldBeGreaterThan(between);

        var html = await browser.PageAsync($"/console/payments/{_id}?at={at}");

        ConsoleHtml.TextOf(html, "as-it-was")!.ShouldStartWith(
            $"As it was at {between:yyyy-MM-dd HH:mm:ss}.{between.Millisecond:D3}".TrimEnd('0').TrimEnd('.') + " UTC");
        ConsoleHtml.Rows(html, "as-it-was-table").ShouldBe([
            ["Status", "Requested", "Captured"],
            ["Captured", "0.000 KWD", "1.500 KWD"],
            ["Refunded", "0.000 KWD", "0.000 KWD"],
            ["Refunds", "0", "0"],
            ["Version", "1", "4"],
        ]);
        ConsoleHtml.AttributeOf(html, "at", "value").ShouldBe(at);
    }

    [Fact]
    public async Task the_state_after_an_event_is_a_link_of_its_timeline_row()
    {
        using var browser = await SignedIn();
        var page = await browser.PageAsync($"/console/payments/{_id}");
        page.ShouldContain($"<a href=\"/console/payments/{_id}?version=3#as-it-was\">");

        var html = await browser.PageAsync($"/console/payments/{_id}?version=3");

        ConsoleHtml.TextOf(html, "as-it-was")!.ShouldStartWith("As it was after event 3 (payment_captured)");
        ConsoleHtml.TextsOf(html, "then-status", "then-captured", "then-version").ShouldBe(["Captured", "1.500 KWD", "3"]);
    }

    [Fact]
    public async Task an_instant_before_the_payment_says_it_did_not_exist_yet()
    {
        using var browser = await SignedIn();

        var html = await browser.PageAsync($"/console/payments/{_id}?at=2020-01-01T00:00");

        ConsoleHtml.TextOf(html, "as-it-was").ShouldBe("As it was at 2020-01-01 00:00:00 UTC The payment did not exist yet.");
    }

    [Theory]
    [InlineData("?at=yesterday", "The instant is a date and time in UTC, e.g. 2026-11-24T10:15:00.")]
    [InlineData("?version=0", "A version is a whole number from 1.")]
    [InlineData("?version=5", "This payment has 4 versions.")]
    [InlineData("?version=1&at=2026-11-24T10:15", "Ask for either an instant or a version, not both.")]
    public async Task a_bad_time_travel_shows_its_message_with_400(string query, string message)
    {
        using var browser = await SignedIn();

        using var answer = await browser.GetAsync($"/console/payments/{_id}{query}");
        var html = await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        answer.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        ConsoleHtml.TextOf(html, "travel-error").ShouldBe(message);
        html.ShouldNotContain("id=\"as-it-was\"");
    }

    [Theory]
    [InlineData("0192f3a4-0000-7000-8000-000000000000")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("not-a-payment")]
    public async Task an_unknown_payment_is_404(string id)
    {
        using var browser = await SignedIn();

        using var answer = await browser.GetAsync($"/console/payments/{id}");

        answer.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task an_unknown_payment_says_so()
    {
        using var browser = await SignedIn();

        using var answer = await browser.GetAsync("/console/payments/0192f3a4-0000-7000-8000-000000000000");
        var html = await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        ConsoleHtml.TextOf(html, "not-found").ShouldBe("There is no payment 0192f3a4-0000-7000-8000-000000000000.");
    }
}

/// <summary>
/// The refund form: the API's refund code and idempotency under the operator's key name, post-redirect-get, and
/// nothing appended when the operator may not refund, the form is forged, or the amount is wrong.
/// </summary>
public class when_an_operator_refunds_from_the_console(AppFixture app) : HostTest(app)
{
    private static readonly DateTimeOffset At = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private readonly Guid _id = Guid.CreateVersion7(At);
    private const string CheckoutId = "pay_console_refund";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await using var session = App.Store.LightweightSession();
        session.Events.StartStream<Payment>(_id,
            new PaymentRequested(_id, new KnetPaymentRequest { Amount = 1_000, Reference = "ORD-R", Language = "en" }, At),
            new PaymentPending(_id, CheckoutId, "https://knet.example/pay", At),
            new PaymentCaptured(_id, CheckoutId, "act_capture", 1_000, "10000", At));
        await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        App.Checkout.AnswerJson(new { action_id = "act_refund_console" }, 202);
    }

    private string Page => $"/console/payments/{_id}";
    private string RefundForm => $"/console/payments/{_id}?handler=Refund";

    private async Task<ConsoleClient> SignedIn(string key)
    {
        var browser = new ConsoleClient(App.Host);
        (await browser.SignInAsync(key)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return browser;
    }

    /// <summary>The fields of the page's refund form as the browser would send them, with the amount and reference typed.</summary>
    private static Dictionary<string, string> Form(string html, string amount, string reference = "") => new()
    {
        ["__csrf"] = ConsoleClient.TokenIn(html[html.IndexOf("id=\"refund-form\"", StringComparison.Ordinal)..]),
        ["idempotencyKey"] = System.Text.RegularExpressions.Regex.Match(html, "name=\"idempotencyKey\" value=\"([^\"]+)\"").Groups[1].Value,
        ["amount"] = amount,
        ["reference"] = reference,
    };

    private async Task<List<object>> Events() => [.. (await App.Store.Stream(_id)).Select(e => e.Data)];

    [Fact]
    public async Task the_same_form_posted_twice_requests_one_refund_and_redirects_to_its_message()
    {
        using var browser = await SignedIn(ConsoleClient.AdminKey);
        var form = Form(await browser.PageAsync(Page), "0.500", "goodwill");

        using var first = await browser.PostFormAsync(RefundForm, form);
        using var again = await browser.PostFormAsync(RefundForm, form);

        first.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        again.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        again.Headers.Location.ShouldBe(first.Headers.Location);
        var refunds = (await Events()).OfType<RefundRequested>().ToList();
        refunds.Count.ShouldBe(1);
        refunds[0].ShouldSatisfyAllConditions(r => r.Amount.ShouldBe(500), r => r.Reference.ShouldBe("goodwill"));
        first.Headers.Location!.ToString().ShouldBe($"/console/payments/{_id}?refund={refunds[0].RefundId}#refund-message");
        App.Checkout.Requests.ShouldBe([$"POST /payments/{CheckoutId}/refunds"]);
        (await Events()).Select(e => e.GetType().Name).ShouldBe(["PaymentRequested", "PaymentPending", "PaymentCaptured", "RefundRequested", "RefundPending"]);

        var after = await browser.PageAsync(first.Headers.Location.ToString());
        ConsoleHtml.TextOf(after, "refund-message").ShouldBe("Refund of 0.500 KWD requested.");
        ConsoleHtml.TextOf(after, "refundable").ShouldBe("0.500 KWD");
    }

    [Fact]
    public async Task the_refund_is_recorded_with_the_operators_key_name_and_its_idempotency_key_as_the_api_keeps_it()
    {
        using var browser = await SignedIn(ConsoleClient.AdminKey);
        var form = Form(await browser.PageAsync(Page), "0.250");

        using var posted = await browser.PostFormAsync(RefundForm, form);

        posted.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        var requested = (await App.Store.Stream(_id)).Single(e => e.Data is RefundRequested);
        var cause = requested.Headers!["cause"].ToString()!;
        cause.ShouldStartWith($"http:POST /console/payments/{_id} refund form by admin-dev (");
        Causes.PrincipalOf(cause).ShouldBe("admin-dev");
        await using var session = App.Store.QuerySession();
        var record = await session.LoadAsync<IdempotencyRecord>($"admin-dev|POST /payments/{_id}/refunds|{form["idempotencyKey"]}",
            TestContext.Current.CancellationToken);
        record.ShouldNotBeNull();
        record.State.ShouldBe(IdempotencyState.Completed);
        record.ResourceId.ShouldBe(((RefundRequested)requested.Data).RefundId);
    }

    [Fact]
    public async Task an_empty_amount_refunds_the_whole_refundable_balance()
    {
        using var browser = await SignedIn(ConsoleClient.AdminKey);

        using var posted = await browser.PostFormAsync(RefundForm, Form(await browser.PageAsync(Page), ""));

        posted.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        (await Events()).OfType<RefundRequested>().Single().Amount.ShouldBe(1_000);
        var after = await browser.PageAsync(posted.Headers.Location!.ToString());
        ConsoleHtml.TextOf(after, "refund-message").ShouldBe("Refund of 1.000 KWD requested.");
        after.ShouldNotContain("id=\"refund-form\"");
    }

    [Fact]
    public async Task a_backoffice_key_sees_no_form_and_its_post_is_403_with_nothing_appended()
    {
        using var browser = await SignedIn(ConsoleClient.BackofficeKey);
        var html = await browser.PageAsync(Page);
        html.ShouldNotContain("id=\"refund-form\"");

        using var refused = await browser.PostFormAsync(RefundForm, new Dictionary<string, string>
        {
            // The token of the page's other form (sign-out) is this visitor's: only the scope is missing.
            ["__csrf"] = ConsoleClient.TokenIn(html), ["idempotencyKey"] = Guid.NewGuid().ToString(), ["amount"] = "0.500", ["reference"] = "",
        });

        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Events()).Count.ShouldBe(3);
        App.Checkout.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task a_post_without_its_antiforgery_token_is_400_with_nothing_appended()
    {
        using var browser = await SignedIn(ConsoleClient.AdminKey);
        var form = Form(await browser.PageAsync(Page), "0.500");
        form.Remove("__csrf");

        using var forged = await browser.PostFormAsync(RefundForm, form);

        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Events()).Count.ShouldBe(3);
    }

    [Theory]
    [InlineData("abc", 422, "Amount: an amount in KWD with at most three decimals, e.g. 0.500, or empty for the whole refundable balance.")]
    [InlineData("0.0005", 422, "Amount: an amount in KWD with at most three decimals, e.g. 0.500, or empty for the whole refundable balance.")]
    [InlineData("-0.500", 422, "Amount: an amount in KWD with at most three decimals, e.g. 0.500, or empty for the whole refundable balance.")]
    [InlineData("0.005", 422, "Amount: A refund amount is in fils, greater than zero, at most nine digits, with a last digit of 0.")]
    [InlineData("0", 422, "Amount: A refund amount is in fils, greater than zero, at most nine digits, with a last digit of 0.")]
    [InlineData("1.010", 422, "1.010 KWD exceeds the refundable balance of 1.000 KWD.")]
    public async Task a_wrong_amount_shows_the_form_again_with_its_message_and_appends_nothing(string amount, int status, string message)
    {
        using var browser = await SignedIn(ConsoleClient.AdminKey);
        var form = Form(await browser.PageAsync(Page), amount);

        using var refused = await browser.PostFormAsync(RefundForm, form);
        var html = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        ((int)refused.StatusCode).ShouldBe(status);
        ConsoleHtml.TextOf(html, "refund-error").ShouldBe(message);
        ConsoleHtml.AttributeOf(html, "refund-amount", "value").ShouldBe(amount);
        Form(html, amount)["idempotencyKey"].ShouldNotBe(form["idempotencyKey"]);
        (await Events()).Count.ShouldBe(3);
    }

    [Fact]
    public async Task a_payment_that_cannot_be_refunded_shows_no_form_and_its_post_is_409_with_nothing_appended()
    {
        var pending = Guid.CreateVersion7(At.AddMinutes(1));
        await using (var session = App.Store.LightweightSession())
        {
            session.Events.StartStream<Payment>(pending,
                new PaymentRequested(pending, new KnetPaymentRequest { Amount = 1_000, Language = "en" }, At),
                new PaymentPending(pending, "pay_console_pending", "https://knet.example/pay", At));
            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        using var browser = await SignedIn(ConsoleClient.AdminKey);
        var html = await browser.PageAsync($"/console/payments/{pending}");
        html.ShouldNotContain("id=\"refund-form\"");

        using var refused = await browser.PostFormAsync($"/console/payments/{pending}?handler=Refund", new Dictionary<string, string>
        {
            ["__csrf"] = ConsoleClient.TokenIn(html), ["idempotencyKey"] = Guid.NewGuid().ToString(), ["amount"] = "0.500", ["reference"] = "",
        });
        var answer = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        refused.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        ConsoleHtml.TextOf(answer, "refund-error").ShouldBe("A Pending payment cannot be refunded.");
        (await App.Store.Stream(pending)).Count.ShouldBe(2);
        App.Checkout.Requests.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("0192f3a4-0000-7000-8000-000000000000")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    public async Task a_refund_of_an_unknown_payment_is_404(string id)
    {
        using var browser = await SignedIn(ConsoleClient.AdminKey);
        var html = await browser.PageAsync(Page);
        var unknown = Guid.Parse(id);

        using var refused = await browser.PostFormAsync($"/console/payments/{unknown}?handler=Refund", new Dictionary<string, string>
        {
            ["__csrf"] = ConsoleClient.TokenIn(html), ["idempotencyKey"] = Guid.NewGuid().ToString(), ["amount"] = "0.500", ["reference"] = "",
        });

        refused.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Events()).Count.ShouldBe(3);
        App.Checkout.Requests.ShouldBeEmpty();
    }
}
