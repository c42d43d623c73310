using System.Text.Json;
using Alba;
using JasperFx.Events;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

/// <summary>
/// The operator actions of <c>/operations/payments/{id}/…</c>: what each appends (and its cause: the key's name and
/// the reason), what the machine refuses (409, nothing appended), and the edge (401, 403, 404, 422).
/// </summary>
public abstract class OperatorActionTest(AppFixture app) : HostTest(app)
{
    protected const string Admin = "Bearer pk_dev_admin_c57a90d2";
    protected const string BackOffice = "Bearer pk_dev_backoffice_8d41e6b0";
    protected const string Reason = "customer ticket OPS-311: charged, no receipt";

    protected async Task<Guid> RequestedAsync()
    {
        var id = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(id, Given.Request()));
        return id;
    }

    protected async Task<Guid> PendingAsync()
    {
        var id = await RequestedAsync();
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
        return id;
    }

    protected async Task<Guid> ExpiredAsync()
    {
        var id = await PendingAsync();
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Expired(Given.CheckoutId, "act_e")));
        return id;
    }

    protected async Task<(int Status, JsonElement Body)> PostAsync(string url, object? body, string? key = Admin)
    {
        var result = await App.Host.Scenario(x =>
        {
            if (body is null)
            {
                x.Post.Url(url);
            }
            else
            {
                x.Post.Json(body).ToUrl(url);
            }

            if (key is not null)
            {
                x.WithRequestHeader("Authorization", key);
            }

            x.IgnoreStatusCode();
        });
        var text = await result.ReadAsTextAsync();
        return (result.Context.Response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    protected async Task<IReadOnlyList<IEvent>> StreamAsync(Guid id) => await App.Store.Stream(id);

    /// <summary>The cause names the admin key and carries the reason after the request.</summary>
    protected static void ShouldBeTheOperators(IEvent e, string route)
    {
        var cause = e.Headers!["cause"].ToString()!;
        cause.ShouldStartWith($"http:POST {route} by admin-dev (");
        OperatorCause.ReasonOf(cause).ShouldBe(Reason);
        Causes.PrincipalOf(cause).ShouldBe("admin-dev");
    }

    protected static void ShouldBeRefused(int status, JsonElement body, string state)
    {
        status.ShouldBe(409);
        body.GetProperty("code").GetString().ShouldBe("action_not_allowed");
        body.GetProperty("paymentStatus").GetString().ShouldBe(state);
    }
}

public class when_an_operator_syncs_a_payment(AppFixture app) : OperatorActionTest(app)
{
    [Fact]
    public async Task what_checkout_says_is_applied_and_the_sync_recorded_with_the_operators_reason()
    {
        var id = await PendingAsync();
        App.Checkout.AnswerJson(new
        {
            id = Given.CheckoutId, status = "Captured", approved = true, amount = 1000, currency = "KWD",
            source = new { type = "knet", knet_payment_id = "100201914315601265", knet_result = "CAPTURED" },
        });

        var (status, body) = await PostAsync($"/operations/payments/{id}/sync", new { reason = Reason });

        status.ShouldBe(200);
        body.GetProperty("status").GetString().ShouldBe("Captured");
        App.Checkout.Requests.ShouldBe([$"GET /payments/{Given.CheckoutId}"]);
        var stream = await StreamAsync(id);
        stream.Select(e => e.Data.GetType()).ShouldBe([
            typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptured), typeof(KnetDetailsRecorded), typeof(PaymentSynced)]);
        stream[4].Data.ShouldBeOfType<PaymentSynced>().ShouldSatisfyAllConditions(
            s => s.CheckoutPaymentId.ShouldBe(Given.CheckoutId), s => s.CheckoutStatus.ShouldBe("Captured"));
        foreach (var e in stream.Skip(2))
        {
            ShouldBeTheOperators(e, $"/operations/payments/{id}/sync");
        }
    }

    [Fact]
    public async Task a_requested_payment_has_nothing_to_read_and_is_409_with_nothing_appended()
    {
        var id = await RequestedAsync();

        var (status, body) = await PostAsync($"/operations/payments/{id}/sync", new { reason = Reason });

        ShouldBeRefused(status, body, "Requested");
        App.Checkout.Requests.ShouldBeEmpty();
        (await StreamAsync(id)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task checkout_not_answering_is_503_with_nothing_appended()
    {
        var id = await PendingAsync();

        var (status, body) = await PostAsync($"/operations/payments/{id}/sync", new { reason = Reason });

        status.ShouldBe(503);
        body.GetProperty("code").GetString().ShouldBe("checkout_unavailable");
        (await StreamAsync(id)).Count.ShouldBe(2);
    }
}

public class when_an_operator_settles_an_unknown_payment(AppFixture app) : OperatorActionTest(app)
{
    [Fact]
    public async Task no_payment_of_ours_at_checkout_abandons_the_request_and_fails_the_payment()
    {
        var id = await RequestedAsync();
        App.Checkout.AnswerJson(new
        {
            limit = 100, skip = 0, total_count = 1,
            data = new[] { new { id = "pay_someone_else", status = "Pending", approved = false, amount = 1000, currency = "KWD", reference = "ORD-5023-4E89", metadata = new { payment_id = Guid.CreateVersion7().ToString() } } },
        });

        var (status, body) = await PostAsync($"/operations/payments/{id}/settle", new { reason = Reason });

        status.ShouldBe(200);
        body.GetProperty("status").GetString().ShouldBe("Rejected");
        App.Checkout.Requests.ShouldBe(["GET /payments"]);
        var stream = await StreamAsync(id);
        stream.Select(e => e.Data.GetType()).ShouldBe([typeof(PaymentRequested), typeof(PaymentAbandoned)]);
        stream[1].Data.ShouldBeOfType<PaymentAbandoned>().Amount.ShouldBe(1000);
        ShouldBeTheOperators(stream[1], $"/operations/payments/{id}/settle");
    }

    [Fact]
    public async Task our_payment_found_at_checkout_is_applied_as_its_facts()
    {
        var id = await RequestedAsync();
        App.Checkout.AnswerJson(new
        {
            limit = 100, skip = 0, total_count = 1,
            data = new[] { new { id = Given.CheckoutId, status = "Captured", approved = true, amount = 1000, currency = "KWD", reference = "ORD-5023-4E89", metadata = new { payment_id = id.ToString() } } },
        });

        var (status, body) = await PostAsync($"/operations/payments/{id}/settle", new { reason = Reason });

        status.ShouldBe(200);
        body.GetProperty("status").GetString().ShouldBe("Captured");
        var stream = await StreamAsync(id);
        stream.Select(e => e.Data.GetType()).ShouldBe([typeof(PaymentRequested), typeof(PaymentCaptured)]);
        stream[1].Data.ShouldBeOfType<PaymentCaptured>().CheckoutPaymentId.ShouldBe(Given.CheckoutId);
        ShouldBeTheOperators(stream[1], $"/operations/payments/{id}/settle");
    }

    [Fact]
    public async Task a_payment_checkout_answered_is_409_and_checkout_is_not_asked()
    {
        var id = await PendingAsync();

        var (status, body) = await PostAsync($"/operations/payments/{id}/settle", new { reason = Reason });

        ShouldBeRefused(status, body, "Pending");
        App.Checkout.Requests.ShouldBeEmpty();
        (await StreamAsync(id)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task checkout_not_answering_the_search_is_503_and_the_payment_stays_requested()
    {
        var id = await RequestedAsync();

        var (status, body) = await PostAsync($"/operations/payments/{id}/settle", new { reason = Reason });

        status.ShouldBe(503);
        body.GetProperty("code").GetString().ShouldBe("checkout_unavailable");
        (await StreamAsync(id)).Count.ShouldBe(1);
    }
}

public class when_an_operator_cancels_the_scheduled_checks(AppFixture app) : OperatorActionTest(app)
{
    [Fact]
    public async Task the_cancellation_is_recorded_once_and_a_scheduled_check_then_does_nothing()
    {
        var id = await PendingAsync();

        var (status, body) = await PostAsync($"/operations/payments/{id}/checks/cancel", new { reason = Reason });
        var (again, _) = await PostAsync($"/operations/payments/{id}/checks/cancel", new { reason = Reason });
        await App.Host.InvokeMessageAndWaitAsync(new ReconcilePayment(id, 1));

        status.ShouldBe(200);
        body.GetProperty("status").GetString().ShouldBe("Pending");
        again.ShouldBe(200);
        App.Checkout.Requests.ShouldBeEmpty();
        var stream = await StreamAsync(id);
        stream.Select(e => e.Data.GetType()).ShouldBe([typeof(PaymentRequested), typeof(PaymentPending), typeof(FollowUpsCanceled)]);
        ShouldBeTheOperators(stream[2], $"/operations/payments/{id}/checks/cancel");
    }

    [Fact]
    public async Task a_decided_payment_with_nothing_in_flight_is_409_with_nothing_appended()
    {
        var id = await ExpiredAsync();

        var (status, body) = await PostAsync($"/operations/payments/{id}/checks/cancel", new { reason = Reason });

        ShouldBeRefused(status, body, "Expired");
        (await StreamAsync(id)).Count.ShouldBe(3);
    }
}

public class when_an_operator_clears_a_review_flag(AppFixture app) : OperatorActionTest(app)
{
    [Fact]
    public async Task a_decided_payments_flags_are_cleared_with_the_operators_reason()
    {
        var id = await ExpiredAsync();
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Captured(Given.CheckoutId, "act_c", 1000, "10000")));

        var (status, body) = await PostAsync($"/operations/payments/{id}/review/clear", new { reason = Reason });

        status.ShouldBe(200);
        body.GetProperty("needsReview").GetBoolean().ShouldBeFalse();
        var stream = await StreamAsync(id);
        stream.Select(e => e.Data.GetType()).ShouldBe([
            typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentExpired), typeof(PaymentFlaggedForReview), typeof(ReviewCleared)]);
        stream[4].Data.ShouldBeOfType<ReviewCleared>().FlagsCleared.ShouldBe(1);
        ShouldBeTheOperators(stream[4], $"/operations/payments/{id}/review/clear");
    }

    [Fact]
    public async Task an_undecided_payment_is_409_and_keeps_its_flag()
    {
        var id = await PendingAsync();
        await App.Host.InvokeMessageAndWaitAsync(new FlagPaymentForReview(id, "still undecided at Checkout.com after 6 checks"));

        var (status, body) = await PostAsync($"/operations/payments/{id}/review/clear", new { reason = Reason });

        ShouldBeRefused(status, body, "Pending");
        (await StreamAsync(id)).Count.ShouldBe(3);
        (await App.Store.Snapshot(id))!.NeedsReview.ShouldBeTrue();
    }
}

public class when_an_operator_action_is_not_allowed_to_the_caller_or_its_reason_is_invalid(AppFixture app) : OperatorActionTest(app)
{
    public static TheoryData<string> Actions() => ["sync", "settle", "checks/cancel", "review/clear"];

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task no_key_is_401_the_back_office_key_403_an_unknown_payment_404(string action)
    {
        var id = await ExpiredAsync();

        (await PostAsync($"/operations/payments/{id}/{action}", new { reason = Reason }, key: null)).Status.ShouldBe(401);
        var (forbidden, body) = await PostAsync($"/operations/payments/{id}/{action}", new { reason = Reason }, BackOffice);
        forbidden.ShouldBe(403);
        body.GetProperty("code").GetString().ShouldBe("scope_missing");
        var (missing, unknown) = await PostAsync($"/operations/payments/{Guid.CreateVersion7()}/{action}", new { reason = Reason });
        missing.ShouldBe(404);
        unknown.GetProperty("code").GetString().ShouldBe("payment_not_found");
        (await StreamAsync(id)).Count.ShouldBe(3);
        App.Checkout.Requests.ShouldBeEmpty();
    }

    [Theory]
    [MemberData(nameof(Actions))]
    public async Task a_missing_blank_too_long_or_hostile_reason_is_422_naming_it(string action)
    {
        var id = await ExpiredAsync();
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Captured(Given.CheckoutId, "act_c", 1000, "10000")));

        foreach (var (body, code) in new (object, string)[]
                 {
                     (new { }, "reason_required"), (new { reason = "  " }, "reason_required"),
                     (new { reason = new string('r', 501) }, "reason_too_long"),
                     (new { reason = "ok\u0000then" }, "text_control_character"),
                     (new { reason = "customer card 4111 1111-1111 1111 charged twice" }, "reason_card_number"),
                 })
        {
            var (status, problem) = await PostAsync($"/operations/payments/{id}/{action}", body);
            status.ShouldBe(422, code);
            problem.GetProperty("errors")[0].GetProperty("field").GetString().ShouldBe("reason");
            problem.GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe(code);
        }

        (await StreamAsync(id)).Count.ShouldBe(4);
        App.Checkout.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task a_reason_of_exactly_500_characters_and_short_digit_runs_is_accepted()
    {
        var id = await ExpiredAsync();
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Captured(Given.CheckoutId, "act_c", 1000, "10000")));

        var reason = "ticket 123456789012 " + new string('r', 480);
        var (status, _) = await PostAsync($"/operations/payments/{id}/review/clear", new { reason });

        status.ShouldBe(200);
        reason.Length.ShouldBe(500);
        OperatorCause.ReasonOf((await StreamAsync(id))[^1].Headers!["cause"].ToString()).ShouldBe(reason);
    }
}

/// <summary>The payment page's "Operator actions": the same messages as the API, the reason typed on the page.</summary>
public class when_an_operator_acts_on_the_payment_page(AppFixture app) : OperatorActionTest(app)
{
    private static string Page(Guid id) => $"/console/payments/{id}";

    private async Task<ConsoleClient> SignedInAsync(string key)
    {
        var browser = new ConsoleClient(App.Host);
        (await browser.SignInAsync(key)).StatusCode.ShouldBe(System.Net.HttpStatusCode.Redirect);
        return browser;
    }

    private static Dictionary<string, string> Form(string html, string action, string reason) =>
        new() { ["__csrf"] = ConsoleClient.TokenIn(html), ["action"] = action, ["reason"] = reason };

    [Fact]
    public async Task the_admin_sees_the_allowed_actions_and_a_post_does_it_with_the_reason_in_the_timeline()
    {
        var id = await PendingAsync();
        using var browser = await SignedInAsync(ConsoleClient.AdminKey);
        var html = await browser.PageAsync(Page(id));
        html.ShouldContain("data-action=\"sync\"");
        html.ShouldContain("data-action=\"checks/cancel\"");
        html.ShouldNotContain("data-action=\"settle\"");
        html.ShouldNotContain("data-action=\"review/clear\"");

        using var posted = await browser.PostFormAsync($"{Page(id)}?handler=Act", Form(html, "checks/cancel", Reason));

        posted.StatusCode.ShouldBe(System.Net.HttpStatusCode.SeeOther);
        posted.Headers.Location!.ToString().ShouldBe($"/console/payments/{id}#action-message");
        var stream = await StreamAsync(id);
        stream.Select(e => e.Data.GetType()).ShouldBe([typeof(PaymentRequested), typeof(PaymentPending), typeof(FollowUpsCanceled)]);
        var cause = stream[2].Headers!["cause"].ToString()!;
        cause.ShouldStartWith($"http:POST /console/payments/{id} checks/cancel by admin-dev (");
        OperatorCause.ReasonOf(cause).ShouldBe(Reason);
        var after = await browser.PageAsync(Page(id));
        ConsoleHtml.TextOf(after, "action-message").ShouldBe("Cancel scheduled checks: done by admin-dev; the payment is Pending.");
        after.ShouldContain("reason: customer ticket OPS-311: charged, no receipt");
        after.ShouldNotContain("data-action=\"checks/cancel\"");
    }

    [Fact]
    public async Task a_refused_action_comes_back_with_the_machines_reason_and_appends_nothing()
    {
        var id = await PendingAsync();
        using var browser = await SignedInAsync(ConsoleClient.AdminKey);
        var html = await browser.PageAsync(Page(id));

        using var posted = await browser.PostFormAsync($"{Page(id)}?handler=Act", Form(html, "review/clear", Reason));

        posted.StatusCode.ShouldBe(System.Net.HttpStatusCode.SeeOther);
        ConsoleHtml.TextOf(await browser.PageAsync(Page(id)), "action-message")
            .ShouldBe("Clear review flags: not done. ReviewClearRequested is not allowed in Pending.");
        (await StreamAsync(id)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task a_missing_reason_is_refused_and_appends_nothing()
    {
        var id = await PendingAsync();
        using var browser = await SignedInAsync(ConsoleClient.AdminKey);
        var html = await browser.PageAsync(Page(id));

        using var posted = await browser.PostFormAsync($"{Page(id)}?handler=Act", Form(html, "checks/cancel", ""));

        posted.StatusCode.ShouldBe(System.Net.HttpStatusCode.SeeOther);
        ConsoleHtml.TextOf(await browser.PageAsync(Page(id)), "action-message")
            .ShouldBe("Reason: Say why: a reason of 1 to 500 characters is required. Nothing done.");
        (await StreamAsync(id)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task the_back_office_key_sees_no_actions_and_its_post_is_403()
    {
        var id = await PendingAsync();
        using var browser = await SignedInAsync(ConsoleClient.BackofficeKey);
        var html = await browser.PageAsync(Page(id));
        html.ShouldNotContain("actions-form");

        using var posted = await browser.PostFormAsync($"{Page(id)}?handler=Act", Form(html, "checks/cancel", Reason));

        posted.StatusCode.ShouldBe(System.Net.HttpStatusCode.Forbidden);
        (await StreamAsync(id)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task a_post_without_its_antiforgery_token_is_400_with_nothing_appended()
    {
        var id = await PendingAsync();
        using var browser = await SignedInAsync(ConsoleClient.AdminKey);
        var form = Form(await browser.PageAsync(Page(id)), "checks/cancel", Reason);
        form.Remove("__csrf");

        using var posted = await browser.PostFormAsync($"{Page(id)}?handler=Act", form);

        posted.StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        (await StreamAsync(id)).Count.ShouldBe(2);
    }
}

/// <summary><c>POST /operations/payments/{id}/check {reason}</c>: like every operator action, with a required reason.</summary>
public class when_an_operator_gives_a_reason_for_a_check(AppFixture app) : OperatorActionTest(app)
{
    [Fact]
    public async Task the_reason_is_in_the_cause_of_what_the_check_records()
    {
        var id = await PendingAsync();
        App.Checkout.AnswerJson(new
        {
            id = Given.CheckoutId, status = "Captured", approved = true, amount = 1000, currency = "KWD",
            source = new { type = "knet", knet_payment_id = "100201914315601265", knet_result = "CAPTURED" },
        });

        var tracked = await App.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(30)).ExecuteAndWaitAsync(
            (Func<Wolverine.IMessageContext, Task>)(async _ => (await PostAsync($"/operations/payments/{id}/check", new { reason = Reason })).Status.ShouldBe(202)));

        tracked.Executed.SingleMessage<ReconcilePayment>().Attempt.ShouldBe(0);
        var stream = await StreamAsync(id);
        stream.Select(e => e.Data.GetType()).ShouldBe([typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptured), typeof(KnetDetailsRecorded)]);
        ShouldBeTheOperators(stream[2], $"/operations/payments/{id}/check");
    }

    [Fact]
    public async Task a_missing_blank_too_long_or_hostile_reason_is_422_and_nothing_is_asked()
    {
        var id = await PendingAsync();

        foreach (var (body, code) in new (object, string)[]
                 {
                     (new { }, "reason_required"), (new { reason = "  " }, "reason_required"),
                     (new { reason = new string('r', 501) }, "reason_too_long"),
                     (new { reason = "ok\u0000then" }, "text_control_character"),
                     (new { reason = "customer card 4111 1111-1111 1111 charged twice" }, "reason_card_number"),
                 })
        {
            var (status, problem) = await PostAsync($"/operations/payments/{id}/check", body);
            status.ShouldBe(422, code);
            problem.GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe(code);
        }

        App.Checkout.Requests.ShouldBeEmpty();
    }
}
