using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Checkout;
using Wolverine;

namespace Payments.Host.Payments;

/// <summary>Asks Checkout.com again about a payment request that got no answer, with the same idempotency key.</summary>
public sealed record ResolvePaymentRequest(Guid PaymentId, int Attempt);

public static class ResolvePaymentRequestHandler
{
    public static async Task Handle(
        ResolvePaymentRequest message, IQuerySession session, CheckoutClient checkout, IMessageBus bus,
        IOptions<PaymentTimings> timings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(bus);
        var payment = await session.LoadAsync<Payment>(message.PaymentId, cancellation);
        if (payment is not { Status: PaymentStatus.Requested })
        {
            return;
        }

        var fact = await CheckoutCalls.RequestPaymentAsync(checkout, payment.Id, payment.Request, cancellation);
        await bus.InvokeAsync(new ApplyPaymentFact(payment.Id, fact, Causes.Scheduled(nameof(ResolvePaymentRequest), message.Attempt)), cancellation);
        if (fact is not PaymentFact.NoAnswer)
        {
            await CheckoutCalls.ScheduleFollowUpAsync(bus, payment.Id, fact, timings.Value);
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
                $"Checkout.com did not answer the payment request after {message.Attempt + 1} attempts",
                Causes.Scheduled(nameof(ResolvePaymentRequest), message.Attempt)), cancellation);
        }
    }
}
