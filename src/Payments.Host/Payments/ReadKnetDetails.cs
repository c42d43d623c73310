using Marten;
using Microsoft.Extensions.Options;
using Payments.Host.Checkout;
using Wolverine;
using Wolverine.Attributes;

namespace Payments.Host.Payments;

/// <summary>
/// Reads Checkout.com's payment details again for KNET's record of a payment already decided, when the read after
/// the decision did not bring it: KNET reports to Checkout.com on its own time. Attempt n comes after n waits of
/// <see cref="PaymentTimings.KnetDetailsRetries"/>; after the last the payment is flagged for an operator. A message
/// of its own, so its count never mixes with <see cref="ReconcilePayment"/>'s outcome checks.
/// </summary>
public sealed record ReadKnetDetails([property: Audit] Guid PaymentId, int Attempt);

public static class ReadKnetDetailsHandler
{
    public static async Task<OutgoingMessages> Handle(
        ReadKnetDetails message, IDocumentSession session, CheckoutClient checkout, TimeProvider time,
        IOptions<PaymentTimings> timings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(time);
        var outgoing = new OutgoingMessages();
        var stream = await session.Events.FetchForWriting<Domain.Payment>(message.PaymentId, cancellation);

        // Recorded meanwhile (another read got there first), or not a decided payment of ours: nothing to ask.
        if (stream.Aggregate is not { CheckoutPaymentId: { } checkoutId, Knet: null } payment
            || ReconcilePaymentHandler.Undecided(payment))
        {
            return outgoing;
        }

        session.SetHeader(Causes.Header, Causes.Scheduled(nameof(ReadKnetDetails), message.Attempt));
        var now = time.GetUtcNow();
        payment = await ReconcilePaymentHandler.ReadAsync(stream, payment, checkoutId, checkout, now, cancellation);
        ReconcilePaymentHandler.AskAgainForKnetDetails(stream, payment, message.Attempt, timings.Value, now, outgoing);
        return outgoing;
    }
}
