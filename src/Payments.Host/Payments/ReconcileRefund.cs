using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Checkout;
using Wolverine;
using Wolverine.Attributes;

namespace Payments.Host.Payments;

/// <summary>
/// A refund Checkout.com accepted but whose outcome has not arrived: read the payment's actions and apply the refund
/// action's result. Still pending there → asked again with backoff, then flagged for an operator. Attempt 0 (an
/// operator's "check now", with the operator's request as its <paramref name="Cause"/>) asks once and leaves the chain alone.
/// </summary>
public sealed record ReconcileRefund([property: Audit] Guid PaymentId, Guid RefundId, int Attempt, string? Cause = null);

public static class ReconcileRefundHandler
{
    public static async Task<OutgoingMessages> Handle(
        ReconcileRefund message, IDocumentSession session, CheckoutClient checkout, TimeProvider time,
        IOptions<PaymentTimings> timings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(checkout);
        var outgoing = new OutgoingMessages();
        var stream = await session.Events.FetchForWriting<Payment>(message.PaymentId, cancellation);
        var payment = stream.Aggregate;
        if (payment?.FindRefund(message.RefundId) is not { Status: RefundStatus.Pending, ActionId: { } actionId } refund
            || payment.CheckoutPaymentId is not { } checkoutId
            || payment.ChecksCanceled && message.Attempt > 0)
        {
            return outgoing;
        }

        var now = time.GetUtcNow();
        session.SetHeader(Causes.Header, message.Cause ?? Causes.Scheduled(nameof(ReconcileRefund), message.Attempt));
        if (await checkout.GetActionsAsync(checkoutId, cancellation) is CheckoutAnswer<IReadOnlyList<PaymentActionResponse>>.Ok { Value: var actions }
            && actions.FirstOrDefault(a => a.Id == actionId) is { } action
            && Outcome(checkoutId, refund, action) is { } fact)
        {
            stream.AppendMany(PaymentDecider.Decide(payment, fact, now).Events);
            return outgoing;
        }

        if (message.Attempt == 0)
        {
            // A one-off ask: the scheduled chain (or the sweeper's) keeps asking and decides when to flag.
            return outgoing;
        }

        // Check n came after the first deadline and n - 1 waits of OutcomeRetries.
        if (PaymentTimings.WaitAfter(timings.Value.OutcomeRetries, message.Attempt - 1) is { } wait)
        {
            outgoing.Delay(message with { Attempt = message.Attempt + 1 }, wait);
        }
        else
        {
            stream.AppendMany(PaymentDecider.FlagForReview(payment,
                $"refund {refund.Id} still undecided at Checkout.com after {message.Attempt} checks", now, refund.Id).Events);
        }

        return outgoing;
    }

    /// <summary>Approved → refunded; a response code other than 10000 → declined; otherwise still pending.</summary>
    public static RefundFact? Outcome(string checkoutId, Refund refund, PaymentActionResponse action) =>
        action.Approved == true ? new RefundFact.Refunded(checkoutId, action.Id, refund.Id, action.Amount)
        : action.ResponseCode is { } code && code != "10000"
            ? new RefundFact.Declined(checkoutId, action.Id, refund.Id, code, action.ResponseSummary)
            : null;
}
