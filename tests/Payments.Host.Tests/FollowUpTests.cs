using Marten;
using Payments.Domain;
using Payments.Host.Payments;
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
