using Marten;
using Payments.Domain;
using Payments.Host.Checkout;
using Wolverine;
using Wolverine.Attributes;

namespace Payments.Host.Payments;

/// <summary>
/// Asks Checkout.com again about a refund whose call got no answer, with the same idempotency key. Attempt 0 (an
/// operator's "check now", with the operator's request as its <paramref name="Cause"/>) schedules no further ask.
/// </summary>
public sealed record ResolveRefund([property: Audit] Guid PaymentId, Guid RefundId, int Attempt, string? Cause = null);

public static class ResolveRefundHandler
{
    /// <summary>Scheduled with the reservation; a refund no longer Requested is left alone.</summary>
    public static async Task Handle(
        ResolveRefund message, IQuerySession session, CheckoutClient checkout, IMessageBus bus, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(bus);
        var payment = await session.LoadAsync<Payment>(message.PaymentId, cancellation);
        if (payment?.FindRefund(message.RefundId) is not { Status: RefundStatus.Requested } refund
            || payment.ChecksCanceled && message.Attempt > 0)
        {
            return;
        }

        var fact = await CheckoutCalls.RefundAsync(checkout, payment, refund, cancellation);
        await bus.InvokeAsync(new ApplyRefundFact(payment.Id, fact,
            message.Cause ?? Causes.Scheduled(nameof(ResolveRefund), message.Attempt), message.Attempt), cancellation);
    }
}
