using System.Text.Json;
using JasperFx.Events;
using Marten;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Tests.Fixtures;
using Payments.Host.Webhooks;
using Shouldly;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

/// <summary>
/// One payment's webhooks are applied in the order they were received, whichever of their messages runs first: after
/// a crash Wolverine recovers stored messages in no promised order, and on a fleet consecutive webhooks of one payment
/// reach different nodes. Here the two webhooks are stored (as the receive endpoint stores them) and the later one's
/// message is handled first, as a recovery could.
/// </summary>
public class when_a_later_webhooks_message_runs_first(AppFixture app) : HostTest(app)
{
    private readonly Guid _id = Guid.CreateVersion7();
    private readonly string _approvedId = $"evt_order_approved_{Guid.NewGuid():N}";
    private readonly string _capturedId = $"evt_order_captured_{Guid.NewGuid():N}";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await App.AcceptedAndCapturedAtCheckoutAsync(_id);

        await using var session = App.Store.LightweightSession();
        foreach (var (id, type) in new[] { (_approvedId, "payment_capture_pending"), (_capturedId, "payment_captured") })
        {
            session.Insert(new CheckoutWebhook
            {
                Id = id, Sequence = await WebhookReceipts.NextAsync(session, TestContext.Current.CancellationToken),
                Type = type, CheckoutPaymentId = Given.CheckoutId, Body = Body(id, type), ReceivedAt = App.Clock.GetUtcNow(),
            });
        }

        await session.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    private string Body(string eventId, string type) => JsonSerializer.Serialize(new
    {
        id = eventId, type, version = "1.0.29", created_on = "2026-11-24T10:00:00Z",
        data = new
        {
            id = Given.CheckoutId, action_id = type == "payment_captured" ? "act_capture" : "act_approval", amount = 1000,
            response_code = "10000", metadata = new { payment_id = _id.ToString() },
        },
    });

    [Fact]
    public async Task the_payment_sees_the_approval_before_the_capture()
    {
        await App.Host.InvokeMessageAndWaitAsync(new ProcessCheckoutWebhook(_capturedId, Given.CheckoutId));

        var stream = await App.Store.Stream(_id);
        stream.Select(e => e.EventType).ShouldBe(
        [
            typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentApproved), typeof(PaymentCaptured),
            typeof(KnetDetailsRecorded),
        ]);
        stream[2].Headers!["cause"].ToString().ShouldBe(Causes.Webhook(_approvedId));
        stream[3].Headers!["cause"].ToString().ShouldBe(Causes.Webhook(_capturedId));

        await using var session = App.Store.QuerySession();
        (await session.LoadAsync<CheckoutWebhook>(_approvedId))!.Processing.ShouldBe(WebhookProcessing.Applied);
        (await session.LoadAsync<CheckoutWebhook>(_capturedId))!.Processing.ShouldBe(WebhookProcessing.Applied);
    }

    [Fact]
    public async Task the_earlier_webhooks_own_message_then_changes_nothing()
    {
        await App.Host.InvokeMessageAndWaitAsync(new ProcessCheckoutWebhook(_capturedId, Given.CheckoutId));
        var before = await App.Store.Stream(_id);

        await App.Host.InvokeMessageAndWaitAsync(new ProcessCheckoutWebhook(_approvedId, Given.CheckoutId));

        (await App.Store.Stream(_id)).Select(e => e.Id).ShouldBe(before.Select(e => e.Id));
        await using var session = App.Store.QuerySession();
        (await session.LoadAsync<CheckoutWebhook>(_approvedId))!.Outcome
            .ShouldNotBeNull().ShouldNotContain("look", Case.Insensitive);
    }

    [Fact]
    public async Task a_waiting_webhook_naming_another_payment_is_left_to_its_own_message()
    {
        var other = Guid.CreateVersion7();
        var strangerId = $"evt_order_stranger_{Guid.NewGuid():N}";
        await using (var session = App.Store.LightweightSession())
        {
            session.Insert(new CheckoutWebhook
            {
                Id = strangerId, Sequence = 0, Type = "payment_expired", CheckoutPaymentId = Given.CheckoutId,
                Body = Body(strangerId, "payment_expired").Replace(_id.ToString(), other.ToString(), StringComparison.Ordinal),
                ReceivedAt = App.Clock.GetUtcNow(),
            });
            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await App.Host.InvokeMessageAndWaitAsync(new ProcessCheckoutWebhook(_capturedId, Given.CheckoutId));

        (await App.Store.Stream(_id)).Select(e => e.EventType).ShouldNotContain(typeof(PaymentExpired));
        await using var query = App.Store.QuerySession();
        (await query.LoadAsync<CheckoutWebhook>(strangerId))!.Processing.ShouldBe(WebhookProcessing.Received);
    }
}
