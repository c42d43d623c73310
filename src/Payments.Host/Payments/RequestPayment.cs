using Marten;
using Payments.Domain;
using Wolverine.Marten;

namespace Payments.Host.Payments;

/// <summary>Starts a payment's stream with the merchant's intent, before anyone calls Checkout.com.</summary>
public sealed record RequestPayment(Guid PaymentId, KnetPaymentRequest Request, string? Cause = null);

public static class RequestPaymentHandler
{
    public static IMartenOp Handle(RequestPayment command, IDocumentSession session, TimeProvider time, ILogger<RequestPayment> logger)
    {
        ArgumentNullException.ThrowIfNull(command);
        Causes.Record(session, command.Cause);
        var decision = PaymentDecider.Request(command.PaymentId, command.Request, time.GetUtcNow());
        logger.Decided(command.PaymentId, nameof(RequestPayment), decision.Kind, decision.Reason);
        return decision.Kind == DecisionKind.Applied
            ? MartenOps.StartStream<Payment>(command.PaymentId, [.. decision.Events])
            : MartenOps.Nothing();
    }
}
