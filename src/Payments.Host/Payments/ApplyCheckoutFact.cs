using Marten;
using Payments.Domain;
using Wolverine.Marten;

namespace Payments.Host.Payments;

/// <summary>Something Checkout.com said about a payment (an API answer, a webhook, its details), to apply through the machine.</summary>
public sealed record ApplyPaymentFact(Guid PaymentId, PaymentFact Fact, string? Cause = null);

/// <summary>Something Checkout.com said about one of a payment's refunds.</summary>
public sealed record ApplyRefundFact(Guid PaymentId, RefundFact Fact, string? Cause = null);

/// <summary>
/// Pure handlers: the payment is fetched for writing, the decider names the events, Wolverine appends them in one
/// transaction. A concurrent writer makes the save fail and the message is decided again on the new state.
/// </summary>
public static class ApplyCheckoutFactHandler
{
    public static Events Handle(
        ApplyPaymentFact command, [WriteAggregate] Payment payment, IDocumentSession session, TimeProvider time,
        ILogger<ApplyPaymentFact> logger)
    {
        ArgumentNullException.ThrowIfNull(command);
        Causes.Record(session, command.Cause);
        var decision = PaymentDecider.Decide(payment, command.Fact, time.GetUtcNow());
        logger.Decided(command.PaymentId, command.Fact.Trigger, decision.Kind, decision.Reason);
        return [.. decision.Events];
    }

    public static Events Handle(
        ApplyRefundFact command, [WriteAggregate] Payment payment, IDocumentSession session, TimeProvider time,
        ILogger<ApplyRefundFact> logger)
    {
        ArgumentNullException.ThrowIfNull(command);
        Causes.Record(session, command.Cause);
        var decision = PaymentDecider.Decide(payment, command.Fact, time.GetUtcNow());
        logger.Decided(command.PaymentId, command.Fact.Trigger, decision.Kind, decision.Reason);
        return [.. decision.Events];
    }
}
