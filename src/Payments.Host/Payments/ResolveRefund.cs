using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Checkout;
using Wolverine;

namespace Payments.Host.Payments;

/// <summary>Asks Checkout.com again about a refund whose call got no answer, with the same idempotency key.</summary>
public sealed record ResolveRefund(Guid PaymentId, Guid RefundId, int Attempt);

public static class ResolveRefundHandler
{
    public static async Task Handle(
        ResolveRefund message, IQuerySession session, CheckoutClient checkout, IMessageBus bus,
        IOptions<PaymentTimings> timings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(bus);
        var payment = await session.LoadAsync<Payment>(message.PaymentId, cancellation);
        if (payment?.FindRefund(message.RefundId) is not { Status: RefundStatus.Requested } refund)
        {
            return;
        }

        var fact = await CheckoutCalls.RefundAsync(checkout, payment, refund, cancellation);
        await bus.InvokeAsync(new ApplyRefundFact(payment.Id, fact, Causes.Scheduled(nameof(ResolveRefund), message.Attempt)), cancellation);
        if (fact is not RefundFact.NoAnswer)
        {
            await CheckoutCalls.ScheduleFollowUpAsync(bus, payment.Id, refund.Id, fact, timings.Value);
            return;
        }

        // Attempt n came after n waits: the endpoint's first one and n - 1 of ours.
        if (PaymentTimings.WaitAfter(timings.Value.RequestRetries, message.Attempt) is { } wait)
        {
            await bus.ScheduleAsync(message with { Attempt = message.Attempt + 1 }, wait);
        }
        else
        {
            await bus.InvokeAsync(new FlagPaymentForReview(payment.Id,
                $"Checkout.com did not answer refund {refund.Id} after {message.Attempt + 1} attempts",
                Causes.Scheduled(nameof(ResolveRefund), message.Attempt)), cancellation);
        }
    }
}
