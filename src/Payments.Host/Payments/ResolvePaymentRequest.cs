using Marten;
using Payments.Domain;
using Payments.Host.Checkout;
using Wolverine;

namespace Payments.Host.Payments;

/// <summary>
/// Asks Checkout.com again about a payment request that got no answer, with the same idempotency key. Attempt 0 (an
/// operator's "check now", with the operator's request as its <paramref name="Cause"/>) schedules no further ask.
/// </summary>
public sealed record ResolvePaymentRequest(Guid PaymentId, int Attempt, string? Cause = null);

public static class ResolvePaymentRequestHandler
{
    /// <summary>
    /// Scheduled with the intent, so it fires even when the answer did arrive: a payment whose answer was applied is
    /// left alone (<see cref="RequestPaymentHandler.AwaitsAnswer"/>: one made Pending by a webhook before the answer
    /// with KNET's link is asked once more). The next ask-again (or the operator flag) is written with the answer, in
    /// its transaction.
    /// </summary>
    public static async Task Handle(
        ResolvePaymentRequest message, IQuerySession session, CheckoutClient checkout, IMessageBus bus, TimeProvider time,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(time);
        var payment = await session.LoadAsync<Payment>(message.PaymentId, cancellation);
        // Canceled by an operator: only the operator's own ask (attempt 0) still goes out.
        if (payment is null || !RequestPaymentHandler.AwaitsAnswer(payment, time.GetUtcNow()) || payment.ChecksCanceled && message.Attempt > 0)
        {
            return;
        }

        var fact = await CheckoutCalls.RequestPaymentAsync(checkout, payment.Id, payment.Request, cancellation);
        await bus.InvokeAsync(new ApplyPaymentFact(payment.Id, fact,
            message.Cause ?? Causes.Scheduled(nameof(ResolvePaymentRequest), message.Attempt), message.Attempt), cancellation);
    }
}
