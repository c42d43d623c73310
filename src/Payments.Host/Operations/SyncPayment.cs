using Marten;
using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.Payments;
using Wolverine;
using Wolverine.Attributes;
using Wolverine.Http;

namespace Payments.Host.Operations;

/// <summary>An operator's "sync now": read the payment and its refunds' actions from Checkout.com and apply them.</summary>
public sealed record SyncPayment([property: Audit] Guid PaymentId, string Cause);

public static class SyncPaymentEndpoint
{
    /// <summary>
    /// <c>POST /operations/payments/{id}/sync {reason}</c>: 200 with the payment after what Checkout.com said was
    /// applied; 404; 409 <c>action_not_allowed</c> (nothing at Checkout.com to read: Requested, Rejected); 422 reason;
    /// 503 <c>checkout_unavailable</c> with nothing written (docs/architecture.md, "Operator actions").
    /// </summary>
    [WolverinePost("/operations/payments/{id}/sync")]
    public static Task<IResult> Post(string id, HttpRequest request, IDocumentStore store, IMessageBus bus, CancellationToken cancellation) =>
        OperatorAction.PostAsync(OperatorAction.Sync, id, request, store, bus, cancellation);
}

public static class SyncPaymentHandler
{
    /// <summary>
    /// Both reads come first, so a Checkout.com that answers one and not the other leaves nothing half-applied. The
    /// payment's facts go through the machine as a scheduled check's would, then the refunds' outcomes, then
    /// <see cref="PaymentSynced"/>: each with the operator's cause.
    /// </summary>
    public static async Task<OperatorOutcome> Handle(
        SyncPayment message, IDocumentSession session, CheckoutClient checkout, TimeProvider time, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(checkout);
        var stream = await session.Events.FetchForWriting<Payment>(message.PaymentId, cancellation);
        if (stream.Aggregate is not { } payment)
        {
            return OperatorOutcome.NoPayment;
        }

        if (PaymentDecider.RefusalOf(payment, PaymentTrigger.SyncRequested) is { } refused)
        {
            return new OperatorOutcome(refused, payment);
        }

        if (payment.CheckoutPaymentId is not { } checkoutId)
        {
            return new OperatorOutcome(Decision.Refused(OperatorAction.NotAllowed, "Checkout.com holds no payment of this one to read."), payment);
        }

        if (await checkout.GetPaymentAsync(checkoutId, cancellation) is not CheckoutAnswer<PaymentDetailsResponse>.Ok { Value: var details })
        {
            return OperatorOutcome.CheckoutFailed(payment, $"Checkout.com did not give payment {checkoutId}'s details.");
        }

        IReadOnlyList<PaymentActionResponse> actions = [];
        if (payment.Refunds.Exists(r => r is { Status: RefundStatus.Pending, ActionId: not null }))
        {
            if (await checkout.GetActionsAsync(checkoutId, cancellation) is not CheckoutAnswer<IReadOnlyList<PaymentActionResponse>>.Ok { Value: var read })
            {
                return OperatorOutcome.CheckoutFailed(payment, $"Checkout.com did not give payment {checkoutId}'s actions.");
            }

            actions = read;
        }

        session.SetHeader(Causes.Header, message.Cause);
        var now = time.GetUtcNow();
        payment = ReconcilePaymentHandler.Apply(stream, payment, details, now);
        foreach (var refund in payment.Refunds.Where(r => r is { Status: RefundStatus.Pending, ActionId: not null }).ToList())
        {
            if (actions.FirstOrDefault(a => a.Id == refund.ActionId) is { } action
                && ReconcileRefundHandler.Outcome(checkoutId, refund, action) is { } fact)
            {
                var events = PaymentDecider.Decide(payment, fact, now).Events;
                stream.AppendMany(events);
                payment = payment.After(events);
            }
        }

        var synced = PaymentDecider.Sync(payment, details.Status, now);
        stream.AppendMany(synced.Events);
        return new OperatorOutcome(synced, payment.After(synced.Events));
    }
}
