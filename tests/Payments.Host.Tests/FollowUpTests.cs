using Marten;
using Microsoft.AspNetCore.Http;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Webhooks;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

/// <summary>
/// The check that must follow an event is written in the event's own transaction (Wolverine's Marten outbox), so no
/// crash between two steps can keep one without the other.
/// </summary>
public class when_a_payment_or_refund_is_recorded(AppFixture app) : HostTest(app)
{
    private readonly Guid _id = Guid.CreateVersion7();

    /// <summary>Scheduled checks of this payment waiting in Wolverine's durable inbox, by message type.</summary>
    private async Task<IReadOnlyList<string>> Scheduled()
    {
        await using var session = App.Store.QuerySession();
        return await session.QueryAsync<string>(
            "select message_type from payments.wolverine_incoming_envelopes where status = 'Scheduled' and position(convert_to(?, 'UTF8') in body) > 0 order by message_type",
            _id.ToString());
    }

    [Fact]
    public async Task the_intent_is_stored_with_its_first_ask_again()
    {
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));

        (await App.Store.Stream(_id)).Select(e => e.Data.GetType()).ShouldBe([typeof(PaymentRequested)]);
        (await Scheduled()).ShouldContain(t => t.EndsWith(nameof(ResolvePaymentRequest), StringComparison.Ordinal));
    }

    [Fact]
    public async Task an_intent_asked_for_again_writes_nothing_more()
    {
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));

        (await App.Store.Stream(_id)).Count.ShouldBe(1);
        (await Scheduled()).Count(t => t.EndsWith(nameof(ResolvePaymentRequest), StringComparison.Ordinal)).ShouldBe(1);
    }

    [Fact]
    public async Task an_accepted_payment_is_stored_with_its_outcome_check_and_a_reservation_with_its_ask_again()
    {
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, new PaymentFact.Captured(Given.CheckoutId, "act_1", 1000, "10000")));
        await App.Host.InvokeMessageAndWaitAsync(new ReserveRefund(_id, Guid.CreateVersion7(), 300, null));

        (await Scheduled()).Select(t => t.Split('.')[^1]).ShouldBe(
            [nameof(ReconcilePayment), nameof(ResolvePaymentRequest), nameof(ResolveRefund)], ignoreOrder: true);
    }
}

/// <summary>
/// A webhook can make a payment or refund Pending before Checkout.com's answer to our call is applied (the answer lost
/// in a timeout, late, or its writer crashed). The outcome check the answer would have scheduled is then written with
/// the webhook's events, and the answer that comes after schedules no second one. Found by the simulator: without it
/// the sweeper had to create 33-56 checks per 300 payments that no fault had lost (docs/architecture.md,
/// "Deterministic simulation", bug 3).
/// </summary>
public class when_a_webhook_beats_checkouts_answer(AppFixture app) : HostTest(app)
{
    private readonly Guid _id = Guid.CreateVersion7();

    private async Task<int> ScheduledOf<T>()
    {
        await using var session = App.Store.QuerySession();
        return (await session.QueryAsync<string>(
            "select message_type from payments.wolverine_incoming_envelopes where status = 'Scheduled' and position(convert_to(?, 'UTF8') in body) > 0",
            _id.ToString())).Count(t => t.EndsWith(typeof(T).Name, StringComparison.Ordinal));
    }

    private async Task ProcessWebhookAsync(string type, object data)
    {
        var eventId = $"evt_{type}_{Guid.NewGuid():N}";
        var body = System.Text.Json.JsonSerializer.Serialize(new { id = eventId, type, version = "1.0.29", created_on = "2026-11-24T10:00:00Z", data });
        await using (var session = App.Store.LightweightSession())
        {
            session.Insert(new CheckoutWebhook
            {
                Id = eventId, Sequence = await WebhookReceipts.NextAsync(session, TestContext.Current.CancellationToken),
                Type = type, CheckoutPaymentId = Given.CheckoutId, Body = body, ReceivedAt = App.Clock.GetUtcNow(),
            });
            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await App.Host.InvokeMessageAndWaitAsync(new ProcessCheckoutWebhook(eventId, Given.CheckoutId));
    }

    [Fact]
    public async Task a_payment_made_pending_by_the_webhook_gets_one_outcome_check()
    {
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));

        await ProcessWebhookAsync("payment_pending", new { id = Given.CheckoutId, metadata = new { payment_id = _id.ToString() } });

        (await App.Store.Stream(_id)).Select(e => e.Data.GetType()).ShouldBe([typeof(PaymentRequested), typeof(PaymentPending)]);
        (await ScheduledOf<ReconcilePayment>()).ShouldBe(1);

        // The answer arrives after all: it records the link, and the check is already there.
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
        (await ScheduledOf<ReconcilePayment>()).ShouldBe(1);
    }

    [Fact]
    public async Task the_ask_again_fetches_the_link_the_lost_answer_carried()
    {
        // The answer to the merchant's call was lost; payment_pending came first. The ask-again scheduled with the intent
        // asks Checkout.com with the same key, which replays its answer: the link is recorded, nothing else changes.
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));
        await ProcessWebhookAsync("payment_pending", new { id = Given.CheckoutId, metadata = new { payment_id = _id.ToString() } });
        App.Checkout.AnswerJson(new
        {
            id = Given.CheckoutId, status = "Pending", reference = Given.Request().Reference,
            _links = new { self = new { href = $"{App.Checkout.Url}/payments/{Given.CheckoutId}" }, redirect = new { href = Given.Redirect } },
        }, StatusCodes.Status202Accepted);

        await App.Host.InvokeMessageAndWaitAsync(new ResolvePaymentRequest(_id, 1));

        App.Checkout.Requests.ShouldBe(["POST /payments"]);
        var stream = await App.Store.Stream(_id);
        stream.Select(e => e.Data.GetType()).ShouldBe([typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentPending)]);
        ((PaymentPending)stream[^1].Data).RedirectUrl.ShouldBe(Given.Redirect);
        (await App.Store.Snapshot(_id))!.RedirectUrl.ShouldBe(Given.Redirect);
        (await ScheduledOf<ReconcilePayment>()).ShouldBe(1);
    }

    [Fact]
    public async Task checkout_not_answering_the_ask_again_changes_nothing()
    {
        // The fault row of the ask-again for the link: Checkout.com answers 503 (the stub's default). Nothing is written
        // and no further ask is scheduled; the outcome check the webhook wrote stays the payment's one check.
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));
        await ProcessWebhookAsync("payment_pending", new { id = Given.CheckoutId, metadata = new { payment_id = _id.ToString() } });

        await App.Host.InvokeMessageAndWaitAsync(new ResolvePaymentRequest(_id, 1));

        App.Checkout.Requests.ShouldAllBe(r => r == "POST /payments");
        App.Checkout.Requests.ShouldNotBeEmpty();
        (await App.Store.Stream(_id)).Select(e => e.Data.GetType()).ShouldBe([typeof(PaymentRequested), typeof(PaymentPending)]);
        (await ScheduledOf<ReconcilePayment>()).ShouldBe(1);
        (await ScheduledOf<ResolvePaymentRequest>()).ShouldBe(1);
    }

    [Fact]
    public async Task a_payment_with_its_link_is_not_asked_again()
    {
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));

        await App.Host.InvokeMessageAndWaitAsync(new ResolvePaymentRequest(_id, 1));

        App.Checkout.Requests.ShouldBeEmpty();
        (await App.Store.Stream(_id)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task a_refund_made_pending_by_the_webhook_gets_one_outcome_check()
    {
        var refund = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, new PaymentFact.Captured(Given.CheckoutId, "act_1", 1000, "10000")));
        await App.Host.InvokeMessageAndWaitAsync(new ReserveRefund(_id, refund, 300, null));

        await ProcessWebhookAsync("payment_refund_pending", new
        {
            id = Given.CheckoutId, action_id = "act_r1", amount = 300,
            metadata = new { payment_id = _id.ToString(), refund_id = refund.ToString() },
        });

        (await App.Store.Stream(_id)).Select(e => e.Data.GetType()).ShouldContain(typeof(RefundPending));
        (await ScheduledOf<ReconcileRefund>()).ShouldBe(1);

        await App.Host.InvokeMessageAndWaitAsync(new ApplyRefundFact(_id, new RefundFact.Accepted(refund, "act_r1")));
        (await ScheduledOf<ReconcileRefund>()).ShouldBe(1);
    }
}

/// <summary>
/// What a merchant is told about a payment whose KNET link is not known yet, and how long we ask Checkout.com for it:
/// 201 in Pending always carries the link; without it the answer is 202 and the payment is asked about again with the
/// same key, while Checkout.com still keeps that key.
/// </summary>
public class when_knets_link_is_not_known_yet
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid Id = Guid.CreateVersion7();

    private static Payment Of(params object[] events) => events.Aggregate((Payment?)null, Payment.Evolve)!;

    private static readonly Payment Requested = Of(new PaymentRequested(Id, Given.Request(), T0));
    private static readonly Payment PendingWithoutLink = Payment.Evolve(Requested, new PaymentPending(Id, Given.CheckoutId, null, T0))!;
    private static readonly Payment PendingWithLink = Payment.Evolve(PendingWithoutLink, new PaymentPending(Id, Given.CheckoutId, Given.Redirect, T0))!;

    [Fact]
    public void the_merchant_is_answered_202_until_the_link_is_recorded()
    {
        RequestPaymentEndpoint.StatusCodeOf(Requested).ShouldBe(202);
        RequestPaymentEndpoint.StatusCodeOf(PendingWithoutLink).ShouldBe(202);
        RequestPaymentEndpoint.StatusCodeOf(PendingWithLink).ShouldBe(201);
    }

    [Fact]
    public void checkout_is_asked_again_only_while_it_keeps_the_key()
    {
        RequestPaymentHandler.AwaitsAnswer(PendingWithoutLink, T0 + TimeSpan.FromHours(22)).ShouldBeTrue();
        RequestPaymentHandler.AwaitsAnswer(PendingWithoutLink, T0 + TimeSpan.FromHours(23)).ShouldBeFalse();
        RequestPaymentHandler.AwaitsAnswer(PendingWithLink, T0).ShouldBeFalse();
        var approved = Payment.Evolve(PendingWithoutLink, new PaymentApproved(Id, Given.CheckoutId, "act_1", T0))!;
        approved.Status.ShouldBe(PaymentStatus.CapturePending);
        RequestPaymentHandler.AwaitsAnswer(approved, T0).ShouldBeFalse();
    }
}
