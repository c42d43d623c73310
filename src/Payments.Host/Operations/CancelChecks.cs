using Marten;
using Payments.Domain;
using Payments.Host.Payments;
using Wolverine;
using Wolverine.Attributes;
using Wolverine.Http;
using Wolverine.Marten;

namespace Payments.Host.Operations;

/// <summary>
/// An operator takes a payment over: <see cref="FollowUpsCanceled"/> on its stream, which every scheduled check reads
/// when it fires and then does nothing, and which the sweeper reads before re-creating one. Wolverine's scheduled
/// messages are left to fire: deleting them would race their firing, and the event says why they stopped.
/// </summary>
public sealed record CancelPaymentChecks([property: Audit] Guid PaymentId, string Cause);

public static class CancelChecksEndpoint
{
    /// <summary>
    /// <c>POST /operations/payments/{id}/checks/cancel {reason}</c>: 200 with the payment; 404; 409
    /// <c>action_not_allowed</c> when nothing waits for Checkout.com; 422 reason. Canceled already: 200, nothing new.
    /// </summary>
    [WolverinePost("/operations/payments/{id}/checks/cancel")]
    public static Task<IResult> Post(string id, HttpRequest request, IDocumentStore store, IMessageBus bus, CancellationToken cancellation) =>
        OperatorAction.PostAsync(OperatorAction.CancelChecks, id, request, store, bus, cancellation);
}

public static class CancelPaymentChecksHandler
{
    public static (OperatorOutcome, Events) Handle(
        CancelPaymentChecks command, [WriteAggregate(LoadStyle = ConcurrencyStyle.Exclusive)] Payment payment, IDocumentSession session, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(time);
        Causes.Record(session, command.Cause);
        var decision = PaymentDecider.CancelChecks(payment, time.GetUtcNow());
        return (new OperatorOutcome(decision, payment.After(decision.Events)), [.. decision.Events]);
    }
}
