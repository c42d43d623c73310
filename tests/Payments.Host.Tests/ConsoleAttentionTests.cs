using System.Net;
using System.Text.Json;
using Alba;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Payments.Domain;
using Payments.Host.Operations;
using Payments.Host.Payments;
using Payments.Host.Tests.Fixtures;
using Payments.Host.Webhooks;
using Shouldly;
using Wolverine;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

/// <summary>What the attention page and its actions are seeded with, and how a test reads a section of it.</summary>
public abstract class AttentionTest(AppFixture app) : HostTest(app)
{
    protected const string ParkedId = "evt_console_parked";

    protected static async Task Sql(string sql)
    {
        await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("ConnectionStrings__Payments"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>A payment Checkout.com accepted and now answers as captured with KNET's record; its own checks are minutes away.</summary>
    protected async Task<Guid> PendingAsync()
    {
        var id = Guid.CreateVersion7();
        await App.AcceptedAndCapturedAtCheckoutAsync(id);
        return id;
    }

    /// <summary>A webhook parked before its payment turned up; the payment exists now.</summary>
    protected async Task ParkAsync(Guid paymentId)
    {
        await using var session = App.Store.LightweightSession();
        session.Store(new CheckoutWebhook
        {
            Id = ParkedId, Type = "payment_captured", CheckoutPaymentId = Given.CheckoutId, Body = SignedWebhooks.Captured(ParkedId, paymentId),
            ReceivedAt = ManualClock.Start, LookupAttempts = 5, Processing = WebhookProcessing.Parked,
            Outcome = $"no payment for {Given.CheckoutId} after 5 looks", ProcessedAt = ManualClock.Start,
        });
        await session.SaveChangesAsync();
    }

    /// <summary>
    /// A real dead letter: a bug of ours as PostgreSQL reports it (no retry can fix it) fails the flag of
    /// <paramref name="paymentId"/>; the bug is fixed again before this returns. The dead letter's id.
    /// </summary>
    protected async Task<Guid> DeadLetterAsync(Guid paymentId)
    {
        await Sql("delete from payments.wolverine_dead_letters");
        await Sql($"""
            create or replace function payments.inject_console_bug() returns trigger language plpgsql as $$
            begin raise exception 'injected bug' using errcode = 'P0001'; end $$;
            create trigger inject_console_bug before insert on payments.mt_events
              for each row when (new.stream_id = '{paymentId}') execute function payments.inject_console_bug();
            """);
        try
        {
            using var scope = App.Host.Services.CreateScope();
            await scope.ServiceProvider.GetRequiredService<IMessageBus>().PublishAsync(new FlagPaymentForReview(paymentId, "an operator asked for a look"));
            await using var session = App.Store.QuerySession();
            var messages = App.Host.Services.GetRequiredService<Wolverine.Persistence.Durability.IMessageStore>();
            var letters = await Eventually.Until(() => DeadLetters.ListAsync(messages, session, CancellationToken.None), l => l.Count > 0, TimeSpan.FromSeconds(30));
            return letters.ShouldHaveSingleItem().Id;
        }
        finally
        {
            await Sql("drop trigger if exists inject_console_bug on payments.mt_events");
        }
    }

    /// <summary>The markup of one <c>&lt;section id="…"&gt;</c> of a page.</summary>
    protected static string Section(string html, string id)
    {
        ArgumentNullException.ThrowIfNull(html);
        var start = html.IndexOf($"<section id=\"{id}\"", StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0, $"no section #{id}");
        return html[start..(html.IndexOf("</section>", start, StringComparison.Ordinal) + "</section>".Length)];
    }

    protected async Task<ConsoleClient> SignedInAsync(string key)
    {
        var browser = new ConsoleClient(App.Host);
        (await browser.SignInAsync(key)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return browser;
    }

    /// <summary>Posts one of the page's forms with the page's antiforgery token.</summary>
    protected static async Task<HttpResponseMessage> ActAsync(ConsoleClient browser, string handler, string id, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(browser);
        var token = await browser.TokenOfAsync("/console/attention");
        var form = new Dictionary<string, string> { ["id"] = id, ["__csrf"] = token };
        if (reason is not null)
        {
            form["reason"] = reason;
        }

        return await browser.PostFormAsync($"/console/attention?handler={handler}", form);
    }

    protected async Task<CheckoutWebhook> WebhookAsync()
    {
        await using var session = App.Store.QuerySession();
        return (await session.LoadAsync<CheckoutWebhook>(ParkedId)).ShouldNotBeNull();
    }
}

/// <summary>The attention page lists each kind of item the API lists, each with its action for those who may act.</summary>
public class when_an_operator_opens_the_attention_page(AppFixture app) : AttentionTest(app)
{
    [Fact]
    public async Task overdue_flagged_parked_and_dead_lettered_items_are_each_listed_with_their_action()
    {
        var overdue = await PendingAsync();
        var flagged = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(flagged, Given.Request(2000)));
        await App.Host.InvokeMessageAndWaitAsync(new FlagPaymentForReview(flagged, "the bank says otherwise"));
        var decided = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(decided, Given.Request(2500)));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(decided, new PaymentFact.Rejected(422, "request_invalid", ["amount_invalid"], "req_1")));
        await App.Host.InvokeMessageAndWaitAsync(new FlagPaymentForReview(decided, "refused, yet the customer says paid"));
        await ParkAsync(overdue);
        var broken = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(broken, Given.Request(3000)));
        await App.Host.WaitForNonStaleProjectionDataAsync(HostTest.ProjectionWait);
        // Dead letters are Wolverine's, not a projection's: made after the projections caught up, so the append it
        // fails (a gap in the event sequence) cannot hold up the wait.
        var letter = await DeadLetterAsync(broken);
        App.Clock.Advance(TimeSpan.FromMinutes(31));

        using var browser = await SignedInAsync(ConsoleClient.AdminKey);
        var page = await browser.PageAsync("/console/attention");

        var overdueRows = Section(page, "overdue");
        overdueRows.ShouldContain($"<a class=\"mono\" href=\"/console/payments/{overdue}\">{overdue}</a>");
        overdueRows.ShouldContain("1.000 KWD");
        overdueRows.ShouldContain("<td>2026-11-24 10:00:00 UTC</td>");
        overdueRows.ShouldContain($"<input type=\"hidden\" name=\"id\" value=\"{overdue}\">");
        overdueRows.ShouldContain("data-action=\"check\"");
        // Requested but never sent (Checkout.com did not answer): undecided and flagged, so in both lists.
        overdueRows.ShouldContain(flagged.ToString());

        var flaggedRows = Section(page, "flagged");
        flaggedRows.ShouldContain($"href=\"/console/payments/{flagged}\"");
        flaggedRows.ShouldContain("the bank says otherwise");
        // Undecided: its action is the check, as in the overdue list (a decided one links to its page's actions).
        flaggedRows.ShouldContain($"id=\"flagged-reason-{flagged}\"");
        flaggedRows.ShouldContain("data-action=\"check\"");
        flaggedRows.ShouldContain($"<a href=\"/console/payments/{decided}#actions-heading\" data-action=\"decide\">");
        flaggedRows.ShouldNotContain($"id=\"flagged-reason-{decided}\"");
        flaggedRows.ShouldNotContain(overdue.ToString());

        var parked = Section(page, "parked");
        parked.ShouldContain($"<td class=\"mono\">{ParkedId}</td>");
        parked.ShouldContain($"href=\"/console/payments/{overdue}\"");
        parked.ShouldContain($"<input type=\"hidden\" name=\"id\" value=\"{ParkedId}\">");
        parked.ShouldContain("data-action=\"replay\"");

        var letters = Section(page, "dead-letters");
        letters.ShouldContain($"<td class=\"mono\">{letter}</td>");
        letters.ShouldContain(nameof(FlagPaymentForReview));
        letters.ShouldContain("injected bug");
        letters.ShouldContain("data-action=\"replay\"");
        await Sql("delete from payments.wolverine_dead_letters");
    }

    [Fact]
    public async Task a_key_that_may_only_read_sees_the_items_without_any_button()
    {
        await ParkAsync(await PendingAsync());
        await App.Host.WaitForNonStaleProjectionDataAsync(HostTest.ProjectionWait);
        App.Clock.Advance(TimeSpan.FromMinutes(31));

        using var browser = await SignedInAsync(ConsoleClient.BackofficeKey);
        var page = await browser.PageAsync("/console/attention");

        Section(page, "parked").ShouldContain(ParkedId);
        Section(page, "overdue").ShouldContain("Pending");
        page.ShouldNotContain("data-action");
        page.ShouldContain("actions need operations:admin");
    }
}

/// <summary>Each action runs the API's own code, needs operations:admin and its antiforgery token, and says what it did.</summary>
public class when_an_operator_acts_on_an_attention_item(AppFixture app) : AttentionTest(app)
{
    [Fact]
    public async Task replaying_a_parked_webhook_processes_it_as_the_api_does()
    {
        var id = await PendingAsync();
        await ParkAsync(id);
        using var browser = await SignedInAsync(ConsoleClient.AdminKey);

        using var replayed = await ActAsync(browser, "ReplayWebhook", ParkedId);

        replayed.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        replayed.Headers.Location!.ToString().ShouldBe("/console/attention");
        var stream = await Eventually.Until(() => App.Store.Stream(id), events => events.Count >= 4);
        stream.Select(e => e.Data.GetType()).ShouldBe(
            [typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptured), typeof(KnetDetailsRecorded)]);
        stream[2].Headers!["cause"].ToString().ShouldBe($"webhook:{ParkedId}");
        var webhook = await WebhookAsync();
        (webhook.Processing, webhook.Replays, webhook.LookupAttempts).ShouldBe((WebhookProcessing.Applied, 1, 0));

        var page = await browser.PageAsync("/console/attention");
        page.ShouldContain($"<p id=\"action-message\" role=\"status\" class=\"ok\">Webhook {ParkedId} replayed by admin-dev.</p>");
        Section(page, "parked").ShouldNotContain(ParkedId);
        // Said once: the page after that has no message.
        (await browser.PageAsync("/console/attention")).ShouldNotContain("action-message");

        using var again = await ActAsync(browser, "ReplayWebhook", ParkedId);
        again.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        (await browser.PageAsync("/console/attention")).ShouldContain(
            $"<p id=\"action-message\" role=\"status\" class=\"error\">Webhook {ParkedId} was not replayed: it is Applied, no longer parked.</p>");
        (await WebhookAsync()).Replays.ShouldBe(1);
    }

    [Fact]
    public async Task a_key_without_operations_admin_is_refused_403_and_nothing_is_replayed_or_checked()
    {
        var id = await PendingAsync();
        await ParkAsync(id);
        using var browser = await SignedInAsync(ConsoleClient.BackofficeKey);
        var asked = App.Checkout.Requests.Count;

        using var replay = await ActAsync(browser, "ReplayWebhook", ParkedId);
        using var check = await ActAsync(browser, "Check", id.ToString(), "the customer says it is paid");
        using var letter = await ActAsync(browser, "ReplayDeadLetter", Guid.CreateVersion7().ToString());

        replay.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        check.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        letter.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var webhook = await WebhookAsync();
        (webhook.Processing, webhook.Replays).ShouldBe((WebhookProcessing.Parked, 0));
        App.Checkout.Requests.Count.ShouldBe(asked);
        (await App.Store.Stream(id)).Count.ShouldBe(2);
        await using var session = App.Store.QuerySession();
        (await session.Query<DeadLetterReplay>().CountAsync()).ShouldBe(0);
    }

    [Fact]
    public async Task an_action_posted_without_its_antiforgery_token_is_400_and_changes_nothing()
    {
        await ParkAsync(await PendingAsync());
        using var browser = await SignedInAsync(ConsoleClient.AdminKey);
        _ = await browser.PageAsync("/console/attention");

        using var forged = await browser.PostFormAsync("/console/attention?handler=ReplayWebhook", new Dictionary<string, string> { ["id"] = ParkedId });

        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var webhook = await WebhookAsync();
        (webhook.Processing, webhook.Replays).ShouldBe((WebhookProcessing.Parked, 0));
    }

    [Fact]
    public async Task replaying_a_dead_letter_is_recorded_with_the_operator_and_shown_in_its_row()
    {
        var id = await PendingAsync();
        var letter = await DeadLetterAsync(id);
        using var browser = await SignedInAsync(ConsoleClient.AdminKey);

        using var replayed = await ActAsync(browser, "ReplayDeadLetter", letter.ToString());

        replayed.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        var page = await browser.PageAsync("/console/attention");
        page.ShouldContain($"<p id=\"action-message\" role=\"status\" class=\"ok\">Dead letter {letter} replay requested by admin-dev.</p>");
        await using (var session = App.Store.QuerySession())
        {
            var recorded = (await session.Query<DeadLetterReplay>().ToListAsync()).ShouldHaveSingleItem();
            (recorded.DeadLetterId, recorded.Principal, recorded.At).ShouldBe((letter, "admin-dev", ManualClock.Start));
        }

        // Wolverine's durability agent moves it back to the inbox; the flag it failed to write is written now.
        await Eventually.Until(() => App.Store.Snapshot(id), p => p!.NeedsReview, TimeSpan.FromSeconds(30));
        (await App.Store.Stream(id)).Count(e => e.Data is PaymentFlaggedForReview).ShouldBe(1);
    }

    [Fact]
    public async Task a_dead_letter_row_shows_who_asked_for_its_replay()
    {
        var letter = await DeadLetterAsync(await PendingAsync());
        // Who asked, as the API records it; the letter itself stays (the replay flag is the durability agent's to act on).
        await using (var session = App.Store.LightweightSession())
        {
            session.Store(new DeadLetterReplay
            {
                Id = Guid.CreateVersion7(), DeadLetterId = letter, MessageType = "x", Principal = "ops-night", At = ManualClock.Start,
            });
            await session.SaveChangesAsync();
        }

        using var browser = await SignedInAsync(ConsoleClient.AdminKey);
        var row = Section(await browser.PageAsync("/console/attention"), "dead-letters");

        row.ShouldContain("<li>by <strong>ops-night</strong> at 2026-11-24 10:00:00 UTC</li>");
        await Sql("delete from payments.wolverine_dead_letters");
    }

    [Fact]
    public async Task check_now_asks_checkout_at_once_and_records_the_operator_as_the_cause()
    {
        var id = await PendingAsync();
        await App.Host.WaitForNonStaleProjectionDataAsync(HostTest.ProjectionWait);
        App.Clock.Advance(TimeSpan.FromMinutes(31));
        using var browser = await SignedInAsync(ConsoleClient.AdminKey);
        Section(await browser.PageAsync("/console/attention"), "overdue").ShouldContain(id.ToString());
        var asked = App.Checkout.Requests.Count;

        using var checkedNow = await ActAsync(browser, "Check", id.ToString(), "customer called: paid, no receipt");

        checkedNow.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        var stream = await Eventually.Until(() => App.Store.Stream(id), events => events.Count >= 4);
        stream.Select(e => e.Data.GetType()).ShouldBe(
            [typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptured), typeof(KnetDetailsRecorded)]);
        stream[2].Headers!["cause"].ToString().ShouldStartWith("http:POST /console/attention?handler=Check by admin-dev (");
        OperatorCause.ReasonOf(stream[2].Headers!["cause"].ToString()).ShouldBe("customer called: paid, no receipt");
        App.Checkout.Requests.Skip(asked).ShouldBe([$"GET /payments/{Given.CheckoutId}"]);
        (await browser.PageAsync("/console/attention")).ShouldContain(
            $"<p id=\"action-message\" role=\"status\" class=\"ok\">Payment {id} checked at Checkout.com now by admin-dev (ReconcilePayment).</p>");
    }

    [Fact]
    public async Task a_check_without_a_reason_asks_nothing_and_says_why()
    {
        var id = await PendingAsync();
        using var browser = await SignedInAsync(ConsoleClient.AdminKey);
        var asked = App.Checkout.Requests.Count;

        using var refused = await ActAsync(browser, "Check", id.ToString(), "  ");

        refused.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        App.Checkout.Requests.Count.ShouldBe(asked);
        (await App.Store.Stream(id)).Count.ShouldBe(2);
        (await browser.PageAsync("/console/attention")).ShouldContain(
            "<p id=\"action-message\" role=\"status\" class=\"error\">Reason: Say why: a reason of 1 to 500 characters is required. Nothing checked.</p>");
    }
}

/// <summary><c>POST /operations/payments/{id}/check</c>: the API's "check now", the same code as the console's.</summary>
public class when_an_operator_asks_for_a_check_through_the_api(AppFixture app) : AttentionTest(app)
{
    private const string Admin = "Bearer pk_dev_admin_c57a90d2";

    [Fact]
    public async Task a_pending_payment_is_read_at_checkout_once_and_its_chain_is_left_alone()
    {
        var id = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(id, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
        App.Checkout.AnswerJson(new { id = Given.CheckoutId, status = "Pending", amount = 1000, currency = "KWD", source = new { type = "knet" } });
        var asked = App.Checkout.Requests.Count;

        var (tracked, answer) = await TrackedAsync($"/operations/payments/{id}/check", Admin, 202);

        answer.GetProperty("paymentId").GetGuid().ShouldBe(id);
        answer.GetProperty("checks").EnumerateArray().Select(c => c.GetString()).ShouldBe([nameof(ReconcilePayment)]);
        var check = tracked.Executed.SingleMessage<ReconcilePayment>();
        check.Attempt.ShouldBe(0);
        check.Cause.ShouldNotBeNull().ShouldStartWith($"http:POST /operations/payments/{id}/check by admin-dev (");
        OperatorCause.ReasonOf(check.Cause).ShouldBe("the customer says it is paid");
        // Still pending: nothing recorded, nothing flagged, and no further check from this one-off.
        App.Checkout.Requests.Skip(asked).ShouldBe([$"GET /payments/{Given.CheckoutId}"]);
        (await App.Store.Stream(id)).Count.ShouldBe(2);
        tracked.Scheduled.MessagesOf<ReconcilePayment>().ShouldBeEmpty();
    }

    [Fact]
    public async Task a_pending_refund_is_checked_once_without_being_flagged()
    {
        var id = Guid.CreateVersion7();
        var refund = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(id, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Captured(Given.CheckoutId, "act_capture", 1000, "10000")));
        await App.Host.InvokeMessageAndWaitAsync(new ReserveRefund(id, refund, 400, null));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyRefundFact(id, new RefundFact.Accepted(refund, "act_refund")));
        var before = (await App.Store.Stream(id)).Count;
        App.Checkout.AnswerJson(new[] { new { id = "act_refund", type = "Refund", amount = 400, approved = (bool?)null, response_code = (string?)null } });

        var (_, answer) = await TrackedAsync($"/operations/payments/{id}/check", Admin, 202);

        answer.GetProperty("checks").EnumerateArray().Select(c => c.GetString()).ShouldBe([nameof(ReconcileRefund)]);
        (await App.Store.Stream(id)).Count.ShouldBe(before);
        (await App.Store.Snapshot(id))!.NeedsReview.ShouldBeFalse();
    }

    [Fact]
    public async Task a_decided_payment_is_409_an_unknown_one_404_and_the_back_office_key_403()
    {
        var id = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(id, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Captured(Given.CheckoutId, "act_capture", 1000, "10000")));
        var asked = App.Checkout.Requests.Count;

        (await Problem($"/operations/payments/{id}/check", Admin, 409)).ShouldBe("payment_not_undecided");
        (await Problem($"/operations/payments/{Guid.CreateVersion7()}/check", Admin, 404)).ShouldBe("payment_not_found");
        (await Problem($"/operations/payments/{id}/check", "Bearer pk_dev_backoffice_8d41e6b0", 403)).ShouldBe("scope_missing");
        App.Checkout.Requests.Count.ShouldBe(asked);
    }

    private async Task<(ITrackedSession Tracked, JsonElement Answer)> TrackedAsync(string url, string key, int status)
    {
        IScenarioResult? result = null;
        var tracked = await App.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(30)).ExecuteAndWaitAsync((Func<IMessageContext, Task>)(async _ =>
        {
            result = await App.Host.Scenario(x =>
            {
                x.Post.Json(new { reason = "the customer says it is paid" }).ToUrl(url);
                x.WithRequestHeader("Authorization", key);
                x.StatusCodeShouldBe(status);
            });
        }));
        return (tracked, result!.ReadAsJson<JsonElement>());
    }

    private async Task<string?> Problem(string url, string key, int status)
    {
        var result = await App.Host.Scenario(x =>
        {
            x.Post.Json(new { reason = "the customer says it is paid" }).ToUrl(url);
            x.WithRequestHeader("Authorization", key);
            x.StatusCodeShouldBe(status);
        });
        return result.ReadAsJson<JsonElement>().GetProperty("code").GetString();
    }
}

/// <summary><c>/console/totals</c>: the daily report's figures for a range of UTC days, as a table and a bar chart.</summary>
public class when_an_operator_reads_the_daily_totals(AppFixture app) : HostTest(app)
{
    private const string Checkout = "pay_4gubyq2w335upc54dx7a4257lq";
    private static readonly DateTimeOffset Day1 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Day2 = Day1.AddDays(1);
    private static readonly Guid Refund = Guid.Parse("0193b3a0-0000-7000-8000-0000000000b2");

    private async Task Seed(DateTimeOffset at, long amount, params Func<Guid, object>[] after)
    {
        var id = Guid.CreateVersion7(at);
        await using var session = App.Store.LightweightSession();
        session.Events.StartStream<Payment>(id, [new PaymentRequested(id, new KnetPaymentRequest { Amount = amount, Language = "en", Reference = $"R{amount}" }, at),
            .. after.Select(f => f(id))]);
        await session.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await Seed(Day1, 1000, id => new PaymentPending(id, Checkout, "https://k/pay", Day1), id => new PaymentCaptured(id, Checkout, "a", 1000, "10000", Day1),
            id => new RefundRequested(id, Refund, 300, null, Day2), id => new RefundSucceeded(id, Refund, "r", 300, Day2));
        await Seed(Day1, 2000, id => new PaymentPending(id, Checkout, "https://k/pay", Day1), id => new PaymentExpired(id, Checkout, "e", Day1, 2000));
        await Seed(Day2, 500, id => new PaymentPending(id, Checkout, "https://k/pay", Day2), id => new PaymentCaptureDeclined(id, Checkout, "d", "20005", "no", Day2, 500));
        await Seed(Day2, 900, id => new PaymentPending(id, Checkout, "https://k/pay", Day2), id => new PaymentCanceled(id, Checkout, "x", Day2, 900));
        await App.Host.WaitForNonStaleProjectionDataAsync(HostTest.ProjectionWait);
    }

    private static string Row(string html, string day)
    {
        var start = html.IndexOf($"<tr data-day=\"{day}\">", StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0, $"no row for {day}");
        return html[start..(html.IndexOf("</tr>", start, StringComparison.Ordinal) + "</tr>".Length)];
    }

    private static IReadOnlyList<string> Cells(string row) =>
        [.. System.Text.RegularExpressions.Regex.Matches(row, "<td[^>]*>([^<]*)</td>").Select(m => m.Groups[1].Value)];

    private static int Bars(string html, string kind) =>
        System.Text.RegularExpressions.Regex.Count(html, $"<rect class=\"bar bar-{kind}\"");

    [Fact]
    public async Task the_last_14_days_by_the_clock_are_shown_with_exact_figures_and_a_bar_pair_per_day()
    {
        using var browser = new ConsoleClient(App.Host);
        (await browser.SignInAsync(ConsoleClient.BackofficeKey)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        var page = await browser.PageAsync("/console/totals");

        page.ShouldContain("<input id=\"from\" name=\"from\" value=\"2026-11-11\"");
        page.ShouldContain("<input id=\"to\" name=\"to\" value=\"2026-11-24\"");
        Cells(Row(page, "2026-11-23")).ShouldBe(["2026-11-23", "KWD", "2", "3.000 KWD", "1", "1.000 KWD", "0", "0.000 KWD",
            "0", "0.000 KWD", "1", "2.000 KWD", "0", "0.000 KWD"]);
        Cells(Row(page, "2026-11-24")).ShouldBe(["2026-11-24", "KWD", "2", "1.400 KWD", "0", "0.000 KWD", "1", "0.500 KWD",
            "1", "0.900 KWD", "0", "0.000 KWD", "1", "0.300 KWD"]);
        var sum = page[page.IndexOf("<tr id=\"totals-sum\">", StringComparison.Ordinal)..];
        Cells(sum[..(sum.IndexOf("</tr>", StringComparison.Ordinal) + 5)]).ShouldBe(["All days", "KWD", "4", "4.400 KWD", "1", "1.000 KWD",
            "1", "0.500 KWD", "1", "0.900 KWD", "1", "2.000 KWD", "1", "0.300 KWD"]);

        page.ShouldContain("<svg id=\"totals-chart\" class=\"chart\" role=\"img\" aria-labelledby=\"totals-chart-caption\"");
        page.ShouldContain("<figcaption id=\"totals-chart-caption\">");
        (Bars(page, "captured"), Bars(page, "refunded")).ShouldBe((14, 14));
        page.ShouldContain("<title>2026-11-23: captured 1.000 KWD</title>");
        page.ShouldContain("<title>2026-11-24: refunded 0.300 KWD</title>");
        page.ShouldContain("<title>2026-11-11: captured 0.000 KWD</title>");
        // The scale: four steps of 0.500 KWD reach the highest bar, 1.000 KWD, at half the plot's height.
        page.ShouldContain(">2.000 KWD</text>");
        page.ShouldContain("<rect class=\"bar bar-captured\" data-day=\"2026-11-23\" x=\"663\" y=\"128\" width=\"18.7\" height=\"116\">");
    }

    [Fact]
    public async Task a_chosen_range_draws_one_bar_pair_per_day_of_it()
    {
        using var browser = new ConsoleClient(App.Host);
        (await browser.SignInAsync(ConsoleClient.BackofficeKey)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        var page = await browser.PageAsync("/console/totals?from=2026-11-24&to=2026-11-26");

        (Bars(page, "captured"), Bars(page, "refunded")).ShouldBe((3, 3));
        page.ShouldNotContain("data-day=\"2026-11-23\"");
        Cells(Row(page, "2026-11-24"))[^1].ShouldBe("0.300 KWD");
    }

    [Theory]
    [InlineData("from=2026-13-01&to=2026-11-24")]
    [InlineData("from=2026-11-24&to=2026-11-01")]
    [InlineData("from=2025-01-01&to=2026-11-24")]
    [InlineData("from=yesterday&to=")]
    public async Task a_range_that_is_not_one_is_a_message_not_an_error(string query)
    {
        using var browser = new ConsoleClient(App.Host);
        (await browser.SignInAsync(ConsoleClient.BackofficeKey)).StatusCode.ShouldBe(HttpStatusCode.Redirect);

        using var answer = await browser.GetAsync($"/console/totals?{query}");

        answer.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var page = await answer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        page.ShouldContain("<p class=\"error\" role=\"alert\" id=\"totals-error\">Give two days as YYYY-MM-DD, from no later than to, at most 366 days apart.</p>");
        page.ShouldNotContain("<svg");
    }
}
