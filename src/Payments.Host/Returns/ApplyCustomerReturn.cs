using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.Payments;
using Wolverine;
using Wolverine.Attributes;

namespace Payments.Host.Returns;

/// <summary>
/// Checkout.com's payment details, read by the session id the customer came back with and already checked to be this
/// payment's: applied as facts through the machine, like a webhook or a scheduled check (docs/architecture.md,
/// "Verified return").
/// </summary>
public sealed record ApplyCustomerReturn([property: Audit] Guid PaymentId, PaymentDetailsResponse Details, string Cause);

public static class ApplyCustomerReturnHandler
{
    /// <summary>
    /// Under the payment's row lock, as the webhook processor and every quick writer take it: a webhook applying the
    /// same outcome at the same moment waits for this one and then finds it recorded (a no-op), or the other way round.
    /// </summary>
    public static async Task<OutgoingMessages> Handle(
        ApplyCustomerReturn command, IDocumentSession session, TimeProvider time, IOptions<PaymentTimings> timings,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(timings);
        var outgoing = new OutgoingMessages();
        var stream = await session.Events.FetchForExclusiveWriting<Payment>(command.PaymentId, cancellation);
        if (stream.Aggregate is not { } payment)
        {
            return outgoing;
        }

        Causes.Record(session, command.Cause);
        var now = time.GetUtcNow();
        var decidedHere = ReconcilePaymentHandler.Undecided(payment);
        payment = ReconcilePaymentHandler.Apply(stream, payment, command.Details, now);

        // This return decided the payment: KNET's record is asked for until it comes, as after a webhook's decision.
        // A payment decided before (by a webhook) already has its series.
        if (decidedHere && !ReconcilePaymentHandler.Undecided(payment))
        {
            ReconcilePaymentHandler.AskAgainForKnetDetails(stream, payment, 0, timings.Value, now, outgoing);
        }

        return outgoing;
    }
}
