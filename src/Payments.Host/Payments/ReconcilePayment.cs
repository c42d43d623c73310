using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Checkout;
using Wolverine;
using Wolverine.Attributes;

namespace Payments.Host.Payments;

/// <summary>
/// Reads Checkout.com's payment details and applies what they say: KNET's record after a decision (attempt 0, sent
/// by the webhook processor), or — when the payment is still undecided past its deadline — the decision itself
/// (attempt n ≥ 1). Still pending: asked again with backoff, and flagged for an operator after the bound. Decided
/// but KNET's record not there yet: <see cref="ReadKnetDetails"/> asks again (docs/architecture.md, "Follow-up checks and the sweeper").
/// An operator's "check now" is attempt 0 with the operator's request as its <paramref name="Cause"/>.
/// </summary>
public sealed record ReconcilePayment([property: Audit] Guid PaymentId, int Attempt, string? Cause = null);

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

        if (!Undecided(payment) && payment.Knet is not null)
        {
            return outgoing;
        }

        // An operator canceled the checks (FollowUpsCanceled): a scheduled one fires and does nothing.
        if (payment.ChecksCanceled && message.Attempt > 0)
        {
            return outgoing;
        }

        session.SetHeader(Causes.Header, message.Cause ?? (message.Attempt == 0
            ? Causes.CheckoutRead(checkoutId)
            : Causes.Scheduled(nameof(ReconcilePayment), message.Attempt)));
        var now = time.GetUtcNow();
        payment = await ReadAsync(stream, payment, checkoutId, checkout, now, cancellation);
        if (!Undecided(payment))
        {
            // KNET's record is asked for until it comes, this read being the first. An outcome check that finds the
            // payment already decided by a webhook starts a second series beside the webhook's: both end in the same
            // flag, recorded once.
            AskAgainForKnetDetails(stream, payment, 0, timings.Value, now, outgoing);
        }
        else if (message.Attempt > 0)
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

    /// <summary>Pending at KNET, or approved and waiting for the capture: nothing is decided yet.</summary>
    public static bool Undecided(Payment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return payment.Status is PaymentStatus.Pending or PaymentStatus.CapturePending;
    }

    /// <summary>
    /// Reads Checkout.com's payment details and appends what they say to the stream; the payment as it then stands.
    /// No answer, or a refusal, says nothing: the payment is unchanged.
    /// </summary>
    public static async Task<Payment> ReadAsync(
        IEventStream<Payment> stream, Payment payment, string checkoutId, CheckoutClient checkout, DateTimeOffset now,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(checkout);
        return await checkout.GetPaymentAsync(checkoutId, cancellation) is CheckoutAnswer<PaymentDetailsResponse>.Ok { Value: var details }
            ? Apply(stream, payment, details, now)
            : payment;
    }

    /// <summary>
    /// Appends what Checkout.com's payment details say, through the machine, to the stream; the payment as it then
    /// stands. The one way a read of the details becomes events: the scheduled checks and the customer's verified
    /// return (<see cref="Returns.ApplyCustomerReturnHandler"/>) both come here.
    /// </summary>
    public static Payment Apply(IEventStream<Payment> stream, Payment payment, PaymentDetailsResponse details, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(stream);
        foreach (var fact in Facts(details))
        {
            var decision = PaymentDecider.Decide(payment, fact, now);
            stream.AppendMany(decision.Events);
            payment = payment.After(decision.Events);
        }

        return payment;
    }

    /// <summary>
    /// A decided payment whose KNET record did not come with the read: read again after the next wait, or — once
    /// every wait of <see cref="PaymentTimings.KnetDetailsRetries"/> is spent — flag it, since reconciling with the
    /// bank needs that record and Checkout.com still has none.
    /// </summary>
    public static void AskAgainForKnetDetails(
        IEventStream<Payment> stream, Payment payment, int waitsUsed, PaymentTimings timings, DateTimeOffset now, OutgoingMessages outgoing)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(payment);
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(outgoing);
        if (payment.Knet is not null)
        {
            return;
        }

        if (PaymentTimings.WaitAfter(timings.KnetDetailsRetries, waitsUsed) is { } wait)
        {
            outgoing.Delay(new ReadKnetDetails(payment.Id, waitsUsed + 1), wait);
        }
        else
        {
            stream.AppendMany(PaymentDecider.FlagForReview(payment,
                $"{FollowUps.FollowUpCheck.KnetRecordFlag} still missing at Checkout.com after {waitsUsed + 1} reads", now).Events);
        }
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

        if (details.Source?.KnetRecord() is { } knet)
        {
            yield return new PaymentFact.KnetDetailsReported(details.Id, knet);
        }
    }
}
