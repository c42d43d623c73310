using System.Text;
using System.Text.Json;
using Alba;
using Marten;
using Marten.Events;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Returns;
using Payments.Host.Tests.Fixtures;
using Payments.Host.Webhooks;
using Shouldly;
using Wolverine;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

/// <summary>
/// <c>POST /payments/{id}/return</c>: the customer comes back from KNET's page with a session id; Checkout.com's
/// payment for it is read at once, checked to be this payment, and applied through the machine (docs/architecture.md,
/// "Verified return"). The webhook that follows is a duplicate.
/// </summary>
public class when_the_customer_returns_from_knet(AppFixture app) : HostTest(app)
{
    public const string SessionId = "sid_ubfj2q76miwundwlk72vxt2i7q";
    private readonly Guid _id = Guid.CreateVersion7();

    private static readonly KnetDetails Recorded = new(
        "100201914315601265", "CAPTURED", null, "914310000349", "201914384388126", "B00775", "00", "0524", null, null, null);

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
        // The async projections must have seen the payment, or their catching up counts as a change in a refusal.
        await App.Host.WaitForNonStaleProjectionDataAsync(ProjectionWait);
    }

    /// <summary>Checkout.com's details of the session's payment, as <c>GET /payments/sid_…</c> answers them.</summary>
    public static object Details(Guid paymentId, string status = "Captured", string checkoutId = Given.CheckoutId, string reference = "ORD-5023-4E89") => new
    {
        id = checkoutId, status, approved = status == "Captured", amount = 1000, currency = "KWD", reference,
        source = new
        {
            type = "knet", language = "en", knet_payment_id = Recorded.KnetPaymentId, knet_result = Recorded.KnetResult,
            bank_reference = Recorded.BankReference, knet_transaction_id = Recorded.KnetTransactionId,
            auth_code = Recorded.AuthCode, auth_response_code = Recorded.AuthResponseCode, post_date = Recorded.PostDate,
        },
        metadata = new { order = 5023, payment_id = paymentId.ToString() },
        actions = new[] { new { id = "act_capture", type = "Capture", response_code = "10000" } },
    };

    private Task<Answer> Return(string body) =>
        App.Send("POST", $"/payments/{_id}/return", Encoding.UTF8.GetBytes(body), "application/json", "", null);

    private Task<Answer> Return(object body) => Return(JsonSerializer.Serialize(body));

    /// <summary>The stream as JSON: events holding lists compare by content.</summary>
    private async Task<string> Stream() => Given.Json((await App.Store.Stream(_id)).Select(e => e.Data).ToList());

    private async Task<Type[]> EventTypes() => [.. (await App.Store.Stream(_id)).Select(e => e.Data.GetType())];

    [Fact]
    public async Task the_outcome_checkout_reports_is_applied_and_answered_at_once()
    {
        App.Checkout.AnswerJson(Details(_id));

        var answer = await Return(new { sessionId = SessionId });

        answer.Status.ShouldBe(200, answer.ToString());
        answer.Body.GetProperty("id").GetGuid().ShouldBe(_id);
        answer.Body.GetProperty("status").GetString().ShouldBe("Captured");
        answer.Body.GetProperty("capturedAmount").GetInt64().ShouldBe(1000);
        answer.Body.GetProperty("knet").GetProperty("paymentId").GetString().ShouldBe(Recorded.KnetPaymentId);
        answer.Body.GetProperty("knet").GetProperty("transactionId").GetString().ShouldBe(Recorded.KnetTransactionId);
        App.Checkout.Requests.ShouldBe([$"GET /payments/{SessionId}"]);
        var stream = await App.Store.Stream(_id);
        stream.Select(e => e.Data).Skip(2).ShouldBe([
            new PaymentCaptured(_id, Given.CheckoutId, null, 1000, null, ManualClock.Start),
            new KnetDetailsRecorded(_id, Given.CheckoutId, Recorded, ManualClock.Start),
        ]);
        stream[2].Headers!["cause"].ToString()!.ShouldStartWith($"return:{Given.CheckoutId} via http:POST /payments/{_id}/return by admin-dev (");
        stream.ShouldAllBe(e => e.Headers == null || !(e.Headers.GetValueOrDefault("cause") ?? "").ToString()!.Contains("sid_"),
            "the session id is not kept");
    }

    [Fact]
    public async Task the_later_webhook_for_the_same_outcome_is_a_no_op()
    {
        App.Checkout.AnswerJson(Details(_id));
        (await Return(new { sessionId = SessionId })).Status.ShouldBe(200);
        var afterReturn = await Stream();

        await App.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(30)).ExecuteAndWaitAsync(async Task (IMessageContext _) =>
        {
            using var response = await App.PostWebhook(SignedWebhooks.Captured("evt_capturedafterreturn", _id));
            response.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        });

        (await Stream()).ShouldBe(afterReturn);
        (await EventTypes()).ShouldBe([typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptured), typeof(KnetDetailsRecorded)]);
        await using var session = App.Store.QuerySession();
        (await session.LoadAsync<CheckoutWebhook>("evt_capturedafterreturn", TestContext.Current.CancellationToken))!
            .Processing.ShouldBe(WebhookProcessing.NoOp);
    }

    [Fact]
    public async Task a_decline_is_answered_declined()
    {
        App.Checkout.AnswerJson(Details(_id, "Declined"));

        var answer = await Return(new { sessionId = SessionId });

        answer.Status.ShouldBe(200, answer.ToString());
        answer.Body.GetProperty("status").GetString().ShouldBe("Declined");
        (await EventTypes()).ShouldBe([typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptureDeclined), typeof(KnetDetailsRecorded)]);
    }

    [Fact]
    public async Task a_return_that_decides_without_knets_record_asks_for_it_again()
    {
        App.Checkout.AnswerJson(new
        {
            id = Given.CheckoutId, status = "Captured", approved = true, amount = 1000, currency = "KWD", reference = "ORD-5023-4E89",
            source = new { type = "knet", language = "en" }, metadata = new { payment_id = _id.ToString() },
        });

        var tracked = await App.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(30)).ExecuteAndWaitAsync(async Task (IMessageContext _) =>
            (await Return(new { sessionId = SessionId })).Status.ShouldBe(200));

        tracked.Scheduled.SingleMessage<ReadKnetDetails>().ShouldBe(new ReadKnetDetails(_id, 1));
        (await EventTypes()).ShouldBe([typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptured)]);
    }

    [Theory]
    [InlineData("sid_ubfj2q76miwundwlk72vxt2i7")]
    [InlineData("sid_ubfj2q76miwundwlk72vxt2i7qq")]
    [InlineData("pay_ubfj2q76miwundwlk72vxt2i7q")]
    [InlineData("SID_UBFJ2Q76MIWUNDWLK72VXT2I7Q")]
    [InlineData("sid_ubfj2q76miwundwlk72vxt2i71")]
    [InlineData("sid_../../payments/pay_4gubyq")]
    [InlineData("")]
    public async Task a_forged_session_id_is_refused_and_checkout_is_not_asked(string sessionId)
    {
        App.Checkout.AnswerJson(Details(_id));

        var answer = await Refused(422, VerifyCustomerReturn.SessionInvalid, JsonSerializer.Serialize(new { sessionId }));

        App.Checkout.Requests.ShouldBeEmpty();
        answer.Detail.ShouldNotBeNull().ShouldNotContain(sessionId.Length > 0 ? sessionId : "\0");
    }

    [Fact]
    public async Task a_body_without_a_session_id_is_refused_as_invalid() =>
        await Refused(422, VerifyCustomerReturn.SessionInvalid, "{}");

    [Fact]
    public async Task a_session_checkout_does_not_know_is_refused()
    {
        App.Checkout.Answer(context =>
        {
            context.Response.StatusCode = 404;
            return Task.CompletedTask;
        });

        await Refused(422, VerifyCustomerReturn.SessionUnknown, JsonSerializer.Serialize(new { sessionId = SessionId }));
    }

    [Theory]
    [InlineData("another Checkout.com payment", "pay_aaaaaaaaaaaaaaaaaaaaaaaaaa", "ours", "ORD-5023-4E89")]
    [InlineData("our Checkout.com id, another payment id in its metadata", Given.CheckoutId, "another", "ORD-5023-4E89")]
    [InlineData("our ids, another reference", Given.CheckoutId, "ours", "ORD-OTHER")]
    public async Task another_payments_session_is_refused(string situation, string checkoutId, string named, string reference)
    {
        App.Checkout.AnswerJson(Details(named == "ours" ? _id : Guid.CreateVersion7(), "Captured", checkoutId, reference));

        await Refused(422, VerifyCustomerReturn.SessionMismatch, JsonSerializer.Serialize(new { sessionId = SessionId }));

        App.Checkout.Requests.ShouldBe([$"GET /payments/{SessionId}"], situation);
    }

    [Fact]
    public async Task an_unknown_payment_is_404()
    {
        App.Checkout.AnswerJson(Details(_id));
        var before = await Stream();

        var answer = await App.Send("POST", $"/payments/{Guid.CreateVersion7()}/return",
            Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { sessionId = SessionId })), "application/json", "", null);

        answer.Status.ShouldBe(404);
        answer.Code.ShouldBe("payment_not_found");
        App.Checkout.Requests.ShouldBeEmpty();
        (await Stream()).ShouldBe(before);
    }

    [Fact]
    public async Task checkout_unreachable_answers_the_payment_as_we_know_it()
    {
        // FakeCheckout answers 503 until told otherwise: Checkout.com down.
        var before = await Stream();

        var answer = await Return(new { sessionId = SessionId });

        answer.Status.ShouldBe(200, answer.ToString());
        answer.Body.GetProperty("status").GetString().ShouldBe("Pending");
        answer.Body.GetProperty("knet").ValueKind.ShouldBe(JsonValueKind.Null);
        App.Checkout.Requests.ShouldContain($"GET /payments/{SessionId}");
        (await Stream()).ShouldBe(before);
    }

    public static TheoryData<string, string, int, string> HostileBodies => new()
    {
        { "NUL in the session id", """{"sessionId":"sid_ubfj2q76miwundwlk72vxt2i7\u0000"}""", 422, "request_invalid" },
        { "a newline in the session id", """{"sessionId":"sid_ubfj2q76miwundwlk72vxt2i7q\n"}""", 422, "request_invalid" },
        { "a lone surrogate", """{"sessionId":"sid_ubfj2q76miwundwlk72vxt2i7\ud800"}""", 400, "request_malformed" },
        { "a huge session id", $$"""{"sessionId":"sid_{{new string('a', 60_000)}}"}""", 422, VerifyCustomerReturn.SessionInvalid },
        { "a number", """{"sessionId":5}""", 400, "request_malformed" },
        { "JSON null", "null", 400, "request_malformed" },
        { "an empty body", "", 400, "request_malformed" },
        { "a misspelt field", """{"sessionid":"sid_ubfj2q76miwundwlk72vxt2i7q"}""", 400, "request_malformed" },
        { "a duplicate field", """{"sessionId":"sid_aaaaaaaaaaaaaaaaaaaaaaaaaa","sessionId":"sid_ubfj2q76miwundwlk72vxt2i7q"}""", 400, "request_malformed" },
    };

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task a_hostile_body_is_refused_by_the_strict_reader(string situation, string body, int status, string code)
    {
        App.Checkout.AnswerJson(Details(_id));

        await Refused(status, code, body);

        App.Checkout.Requests.ShouldBeEmpty(situation);
    }

    [Fact]
    public async Task two_returns_at_once_both_answer_the_one_decision()
    {
        App.Checkout.AnswerJson(Details(_id));

        var answers = await Task.WhenAll(Return(new { sessionId = SessionId }), Return(new { sessionId = SessionId }));

        answers.Select(a => (a.Status, a.Body.GetProperty("status").GetString())).ShouldBe([(200, "Captured"), (200, "Captured")]);
        (await EventTypes()).ShouldBe([typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptured), typeof(KnetDetailsRecorded)]);
    }

    [Fact]
    public async Task a_return_racing_the_webhook_answers_the_one_decision()
    {
        App.Checkout.AnswerJson(Details(_id));
        Answer? answer = null;

        await App.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(30)).ExecuteAndWaitAsync(async Task (IMessageContext _) =>
        {
            var webhook = App.PostWebhook(SignedWebhooks.Captured("evt_racingthereturn", _id));
            var returned = Return(new { sessionId = SessionId });
            await Task.WhenAll(webhook, returned);
            (await webhook).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
            answer = await returned;
        });

        answer!.Status.ShouldBe(200, answer.ToString());
        answer.Body.GetProperty("status").GetString().ShouldBe("Captured");
        (await EventTypes()).ShouldBe([typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptured), typeof(KnetDetailsRecorded)]);
    }

    private async Task<Answer> Refused(int status, string code, string body)
    {
        var before = await Stream();
        var rows = await App.Rows();

        var answer = await Return(body);

        answer.Status.ShouldBe(status, answer.ToString());
        answer.Code.ShouldBe(code, answer.ToString());
        (await Stream()).ShouldBe(before);
        (await App.Rows()).ShouldBe(rows);
        return answer;
    }
}
