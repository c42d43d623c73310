using Marten;
using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.Payments;
using Wolverine;
using Wolverine.Attributes;
using Wolverine.Http;

namespace Payments.Host.Operations;

/// <summary>
/// An operator settles a payment whose request went unanswered (Requested): Checkout.com is searched by the
/// payment's reference for the payment carrying our id in its metadata. Found: what it says is applied as facts.
/// Not there: the request never arrived, and <see cref="PaymentAbandoned"/> fails the payment. Never a bare state
/// override (docs/architecture.md, "Operator actions").
/// </summary>
public sealed record SettlePayment([property: Audit] Guid PaymentId, string Cause);

public static class SettlePaymentEndpoint
{
    /// <summary>
    /// <c>POST /operations/payments/{id}/settle {reason}</c>: 200 with the payment as settled; 404; 409
    /// <c>action_not_allowed</c> (not Requested, or no reference to search by); 422 reason; 503
    /// <c>checkout_unavailable</c> with nothing written.
    /// </summary>
    [WolverinePost("/operations/payments/{id}/settle")]
    public static Task<IResult> Post(string id, HttpRequest request, IDocumentStore store, IMessageBus bus, CancellationToken cancellation) =>
        OperatorAction.PostAsync(OperatorAction.Settle, id, request, store, bus, cancellation);
}

public static class SettlePaymentHandler
{
    public static async Task<OperatorOutcome> Handle(
        SettlePayment message, IDocumentSession session, CheckoutClient checkout, TimeProvider time, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(checkout);
        var stream = await session.Events.FetchForWriting<Payment>(message.PaymentId, cancellation);
        if (stream.Aggregate is not { } payment)
        {
            return OperatorOutcome.NoPayment;
        }

        if (PaymentDecider.RefusalOf(payment, PaymentTrigger.NoRecordFound) is { } refused)
        {
            return new OperatorOutcome(refused, payment);
        }

        if (string.IsNullOrEmpty(payment.Reference))
        {
            return new OperatorOutcome(Decision.Refused(OperatorAction.NotAllowed,
                "The payment has no reference to search Checkout.com by: only Checkout.com's dashboard can settle it."), payment);
        }

        if (await checkout.SearchPaymentsAsync(payment.Reference, cancellation) is not CheckoutAnswer<PaymentListResponse>.Ok { Value: var list })
        {
            return OperatorOutcome.CheckoutFailed(payment, $"Checkout.com did not list the payments under reference {payment.Reference}.");
        }

        var ours = list.Data.FirstOrDefault(d => d.Metadata?[CheckoutClient.PaymentIdMetadataKey]?.ToString() == payment.Id.ToString());
        if (ours is null && list.TotalCount > list.Data.Count)
        {
            return new OperatorOutcome(Decision.Refused(OperatorAction.NotAllowed,
                $"Checkout.com holds {list.TotalCount} payments under reference {payment.Reference}, more than one page: settle it in Checkout.com's dashboard."), payment);
        }

        session.SetHeader(Causes.Header, message.Cause);
        var now = time.GetUtcNow();
        if (ours is not null)
        {
            var after = ReconcilePaymentHandler.Apply(stream, payment, ours, now);
            return new OperatorOutcome(Decision.Applied($"found at Checkout.com as {ours.Id}, {ours.Status}"), after);
        }

        var abandoned = PaymentDecider.Abandon(payment, now);
        stream.AppendMany(abandoned.Events);
        return new OperatorOutcome(abandoned, payment.After(abandoned.Events));
    }
}
