using Payments.Domain;
using Wolverine.Marten;

namespace Payments.Host.Payments;

/// <summary>Reserves a refund's amount on the payment's stream before Checkout.com is asked to refund.</summary>
public sealed record ReserveRefund(Guid PaymentId, Guid RefundId, long? Amount, string? Reference);

public static class ReserveRefundHandler
{
    public static Events Handle(
        ReserveRefund command, [WriteAggregate] Payment payment, TimeProvider time, ILogger<ReserveRefund> logger)
    {
        ArgumentNullException.ThrowIfNull(command);
        var decision = PaymentDecider.RequestRefund(
            payment, command.RefundId, command.Amount, command.Reference, time.GetUtcNow());
        logger.Decided(command.PaymentId, nameof(ReserveRefund), decision.Kind, decision.Reason);
        return [.. decision.Events];
    }
}
