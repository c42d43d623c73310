using Marten;
using Payments.Domain;
using Payments.Host.Payments;
using Wolverine;
using Wolverine.Attributes;
using Wolverine.Http;
using Wolverine.Marten;

namespace Payments.Host.Operations;

/// <summary>An operator looked at a decided payment's review flags and clears them (<see cref="ReviewCleared"/>).</summary>
public sealed record ClearPaymentReview([property: Audit] Guid PaymentId, string Cause);

public static class ClearReviewEndpoint
{
    /// <summary>
    /// <c>POST /operations/payments/{id}/review/clear {reason}</c>: 200 with the payment; 404; 409
    /// <c>action_not_allowed</c> while the payment is undecided; 422 reason. No flags: 200, nothing new.
    /// </summary>
    [WolverinePost("/operations/payments/{id}/review/clear")]
    public static Task<IResult> Post(string id, HttpRequest request, IDocumentStore store, IMessageBus bus, CancellationToken cancellation) =>
        OperatorAction.PostAsync(OperatorAction.ClearReview, id, request, store, bus, cancellation);
}

public static class ClearPaymentReviewHandler
{
    public static (OperatorOutcome, Events) Handle(
        ClearPaymentReview command, [WriteAggregate(LoadStyle = ConcurrencyStyle.Exclusive)] Payment payment, IDocumentSession session, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(time);
        Causes.Record(session, command.Cause);
        var decision = PaymentDecider.ClearReview(payment, time.GetUtcNow());
        return (new OperatorOutcome(decision, payment.After(decision.Events)), [.. decision.Events]);
    }
}
