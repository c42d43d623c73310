using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Checkout;
using Wolverine;

namespace Payments.Host.Payments;

/// <summary>
/// Reads Checkout.com's payment details and applies what they say: KNET's record after a decision, or — when the
/// payment is still undecided past its deadline — the decision itself. Still pending: asked again with backoff, and
/// flagged for an operator after the bound (docs/architecture.md, "Follow-up checks and the sweeper").
/// </summary>
public sealed record ReconcilePayment(Guid PaymentId, int Attempt);

public static class ReconcilePaymentHandler
{
    public static async Task<OutgoingMessages> Handle(
        ReconcilePayment message, IDocumentSession session, CheckoutClient checkout, TimeProvider time,
        IOptions<PaymentTimings> timings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(checkout);
        var outgoing = new OutgoingMessages();
        var stream = await session.Events.FetchForWriting<Payment>(message.PaymentId, cancellation);
        var payment = stream.Aggregate;
        if (payment?.CheckoutPaymentId is not { } checkoutId)
        {
            return outgoing;
        }

        var undecided = payment.Status is PaymentStatus.Pending or PaymentStatus.CapturePending;
        if (!undecided && payment.Knet is not null)
        {
            return outgoing;
        }

        session.SetHeader(Causes.Header, message.Attempt == 0
            ? Causes.CheckoutRead(checkoutId)
            : Causes.Scheduled(nameof(ReconcilePayment), message.Attempt));
        var answer = await checkout.GetPaymentAsync(checkoutId, cancellation);
        var now = time.GetUtcNow();
        if (answer is CheckoutAnswer<PaymentDetailsResponse>.Ok { Value: var details })
        {
            foreach (var fact in Facts(details))
            {
                var decision = PaymentDecider.Decide(payment, fact, now);
                stream.AppendMany(decision.Events);
                payment = decision.Events.Aggregate(payment, (state, e) => Payment.Evolve(state, e));
            }
        }

        if (payment.Status is PaymentStatus.Pending or PaymentStatus.CapturePending && message.Attempt > 0)
        {
            // Check n came after the first deadline and n - 1 waits of OutcomeRetries.
            if (PaymentTimings.WaitAfter(timings.Value.OutcomeRetries, message.Attempt - 1) is { } wait)
            {
                outgoing.Delay(message with { Attempt = message.Attempt + 1 }, wait);
            }
            else
            {
                stream.AppendMany(PaymentDecider.FlagForReview(payment,
                    $"still undecided at Checkout.com after {message.Attempt} checks", now).Events);
            }
        }

        return outgoing;
    }

    /// <summary>What Checkout.com's payment details say, as facts: the status, then KNET's fields.</summary>
    public static IEnumerable<PaymentFact> Facts(PaymentDetailsResponse details)
    {
        ArgumentNullException.ThrowIfNull(details);
        PaymentFact? status = details.Status switch
        {
            "Pending" => new PaymentFact.Pending(details.Id),
            "Captured" or "Partially Refunded" or "Refunded" => new PaymentFact.Captured(details.Id, null, details.Amount, null),
            "Declined" => new PaymentFact.CaptureDeclined(details.Id, null, null, details.Source?.KnetResult),
            "Canceled" or "Cancelled" => new PaymentFact.Canceled(details.Id, null),
            "Expired" => new PaymentFact.Expired(details.Id, null),
            _ => null,
        };
        if (status is not null)
        {
            yield return status;
        }

        if (details.Source is { KnetPaymentId: not null } or { KnetResult: not null } or { Error: not null } && details.Source is { } s)
        {
            yield return new PaymentFact.KnetDetailsReported(details.Id, new KnetDetails(
                s.KnetPaymentId, s.KnetResult, s.BankReference, s.KnetTransactionId, s.AuthCode, s.AuthResponseCode,
                s.PostDate, s.Avr, s.Error, s.ErrorText));
        }
    }
}
