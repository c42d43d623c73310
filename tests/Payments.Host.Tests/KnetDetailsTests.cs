using System.Net;
using System.Text.Json;
using Alba;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using Wolverine;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

/// <summary>
/// Once KNET has decided, Checkout.com's payment details carry KNET's own record of the decision, but not always at
/// once: it is read again with backoff until it comes, every field of it is kept, and an operator is asked to look
/// when it never does.
/// </summary>
public class when_knets_record_comes_after_the_decision(AppFixture app) : HostTest(app)
{
    private const string AdminKey = "Bearer pk_dev_admin_c57a90d2";
    private readonly Guid _id = Guid.CreateVersion7();

    /// <summary>A decided payment's source before KNET has reported: only the echo of our request.</summary>
    private static readonly object NoKnetYet = new { type = "knet", language = "en", user_defined_field1 = "first user defined field" };

    /// <summary>Every KNET field of checkout-knet-api.md §2.3, each with its own value.</summary>
    private static readonly object EveryKnetField = new
    {
        type = "knet", language = "en", user_defined_field1 = "first user defined field",
        knet_payment_id = "100201914315601265", knet_result = "CAPTURED", inquiry_result = "SUCCESS",
        bank_reference = "914310000349", knet_transaction_id = "201914384388126", auth_code = "B00775",
        auth_response_code = "00", post_date = "0524", avr = "N", error = "IPAY0100044",
        error_text = "IPAY0100044-Problem occured while loading payment page.",
    };

    private static readonly KnetDetails Recorded = new(
        "100201914315601265", "CAPTURED", "SUCCESS", "914310000349", "201914384388126", "B00775", "00", "0524", "N",
        "IPAY0100044", "IPAY0100044-Problem occured while loading payment page.");

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
    }

    private static object Details(object source) =>
        new { id = Given.CheckoutId, status = "Captured", approved = true, amount = 1000, currency = "KWD", source };

    private async Task<Type[]> EventTypes() => [.. (await App.Store.Stream(_id)).Select(e => e.Data.GetType())];

    [Theory]
    [InlineData("without KNET's fields")]
    [InlineData("Checkout.com does not answer")]
    public async Task the_read_after_the_capture_misses_them_and_the_next_read_records_them(string firstRead)
    {
        if (firstRead == "without KNET's fields")
        {
            App.Checkout.AnswerJson(Details(NoKnetYet));
        }

        var captured = await App.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(30)).ExecuteAndWaitAsync(async Task (IMessageContext _) =>
        {
            using var response = await App.PostWebhook(SignedWebhooks.Captured("evt_capturedbeforeknet", _id));
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
        });

        captured.Scheduled.SingleMessage<ReadKnetDetails>().ShouldBe(new ReadKnetDetails(_id, 1));
        (await EventTypes()).ShouldBe([typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptured)]);

        App.Checkout.AnswerJson(Details(EveryKnetField));
        var reread = await App.Host.TrackActivity().InvokeMessageAndWaitAsync(new ReadKnetDetails(_id, 1));

        reread.Scheduled.MessagesOf<ReadKnetDetails>().ShouldBeEmpty();
        var stream = await App.Store.Stream(_id);
        stream.Select(e => e.Data.GetType()).ShouldBe(
            [typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptured), typeof(KnetDetailsRecorded)]);
        stream[3].Data.ShouldBe(new KnetDetailsRecorded(_id, Given.CheckoutId, Recorded, ManualClock.Start));
        stream[3].Headers!["cause"].ToString().ShouldBe("scheduled:ReadKnetDetails#1");
    }

    [Fact]
    public async Task every_field_checkout_sends_is_recorded_and_shown()
    {
        await App.Host.InvokeMessageAndWaitAsync(
            new ApplyPaymentFact(_id, new PaymentFact.Captured(Given.CheckoutId, "act_capture", 1000, "10000")));
        App.Checkout.AnswerJson(Details(EveryKnetField));

        var read = await App.Host.TrackActivity().InvokeMessageAndWaitAsync(new ReconcilePayment(_id, 0));

        read.Scheduled.MessagesOf<ReadKnetDetails>().ShouldBeEmpty();
        (await App.Store.Stream(_id))[^1].Data.ShouldBe(new KnetDetailsRecorded(_id, Given.CheckoutId, Recorded, ManualClock.Start));
        var view = await App.Host.Scenario(x =>
        {
            x.Get.Url($"/payments/{_id}");
            x.WithRequestHeader("Authorization", AdminKey);
        });
        var knet = JsonDocument.Parse(await view.ReadAsTextAsync()).RootElement.GetProperty("knet");
        knet.EnumerateObject().Select(p => (p.Name, p.Value.GetString())).ShouldBe([
            ("paymentId", "100201914315601265"), ("result", "CAPTURED"), ("inquiryResult", "SUCCESS"),
            ("bankReference", "914310000349"), ("transactionId", "201914384388126"), ("authCode", "B00775"),
            ("authResponseCode", "00"), ("postDate", "0524"), ("avr", "N"), ("error", "IPAY0100044"),
            ("errorText", "IPAY0100044-Problem occured while loading payment page."),
        ]);
    }

    [Fact]
    public async Task an_operator_is_asked_to_look_once_every_wait_is_spent()
    {
        await App.Host.InvokeMessageAndWaitAsync(
            new ApplyPaymentFact(_id, new PaymentFact.Expired(Given.CheckoutId, "act_expiry")));
        App.Checkout.AnswerJson(new { id = Given.CheckoutId, status = "Expired", approved = false, amount = 1000, currency = "KWD", source = NoKnetYet });
        var reads = new PaymentTimings().KnetDetailsRetries.Count + 1;

        var tracked = await App.Host.TrackActivity().InvokeMessageAndWaitAsync(new ReconcilePayment(_id, 0));
        for (var attempt = 1; attempt < reads; attempt++)
        {
            var next = tracked.Scheduled.SingleMessage<ReadKnetDetails>();
            next.ShouldBe(new ReadKnetDetails(_id, attempt));
            tracked = await App.Host.TrackActivity().InvokeMessageAndWaitAsync(next);
        }

        tracked.Scheduled.MessagesOf<ReadKnetDetails>().ShouldBeEmpty();
        var stream = await App.Store.Stream(_id);
        stream.Select(e => e.Data.GetType()).ShouldBe(
            [typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentExpired), typeof(PaymentFlaggedForReview)]);
        var flag = stream[3].Data.ShouldBeOfType<PaymentFlaggedForReview>();
        (flag.StatusAtFlag, flag.Reason).ShouldBe((PaymentStatus.Expired, $"KNET's record still missing at Checkout.com after {reads} reads"));
        stream[3].Headers!["cause"].ToString().ShouldBe($"scheduled:ReadKnetDetails#{reads - 1}");
        App.Checkout.Requests.ShouldBe(Enumerable.Repeat($"GET /payments/{Given.CheckoutId}", reads));
    }
}
