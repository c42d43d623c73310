using Marten;
using Payments.Domain;
using Payments.Host.Checkout;
using Wolverine;

namespace Payments.Host.Payments;

/// <summary>Asks Checkout.com again about a refund whose call got no answer, with the same idempotency key.</summary>
public sealed record ResolveRefund(Guid PaymentId, Guid RefundId, int Attempt);

public static class ResolveRefundHandler
{
    /// <summary>Scheduled with the reservation; a refund no longer Requested is left alone.</summary>
    public static async Task Handle(
        ResolveRefund message, IQuerySession session, CheckoutClient checkout, IMessageBus bus, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(bus);
        var payment = await session.LoadAsync<Payment>(message.PaymentId, cancellation);
        if (payment?.FindRefund(message.RefundId) is not { Status: RefundStatus.Requested } refund)
        {
            return;
        }

        var fact = await CheckoutCalls.RefundAsync(checkout, payment, refund, cancellation);
        await bus.InvokeAsync(new ApplyRefundFact(payment.Id, fact,
            Causes.Scheduled(nameof(ResolveRefund), message.Attempt), message.Attempt), cancellation);
    }
}
