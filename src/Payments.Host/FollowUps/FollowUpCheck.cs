using Payments.Domain;
using Payments.Host.Payments;

namespace Payments.Host.FollowUps;

/// <summary>
/// The check an undecided payment or refund should have waiting in Wolverine's durable storage: the first message of
/// its follow-up chain, when that first message would have been due, and since when the item has been in this state.
/// See docs/architecture.md, "Follow-up checks and the sweeper".
/// </summary>
/// <param name="Message">One of the four follow-up messages, first attempt.</param>
/// <param name="PaymentId">The payment the check is about.</param>
/// <param name="RefundId">The refund, for a refund's check.</param>
/// <param name="Since">When the payment or refund reached the state this check is for.</param>
/// <param name="DueBy">When its creator would have scheduled it: <paramref name="Since"/> plus the usual wait.</param>
public sealed record FollowUpCheck(object Message, Guid PaymentId, Guid? RefundId, DateTimeOffset Since, DateTimeOffset DueBy)
{
    /// <summary>Which pending message covers this check: the same message type for the same payment or refund.</summary>
    public CheckTarget Target => new(Message.GetType(), PaymentId, RefundId);

    /// <summary>The message as a log shows it: its type and ids, never card data (the messages carry none).</summary>
    public string Description => Message.ToString() ?? Message.GetType().Name;

    /// <summary>
    /// Every check this payment should have. A payment flagged for review gets none: the flag is where a bounded chain
    /// of checks gave up (or a contradiction arrived), so it is an operator's now, and a re-created check would restart
    /// the very chain the bound ended and race the operator's own decision.
    /// </summary>
    public static IEnumerable<FollowUpCheck> For(Payment payment, PaymentTimings timings)
    {
        ArgumentNullException.ThrowIfNull(payment);
        ArgumentNullException.ThrowIfNull(timings);
        if (payment.NeedsReview)
        {
            yield break;
        }

        // A re-created check is attempt 1: its backoff and its bound then count from the sweep, which errs on asking
        // Checkout.com more often, never less (attempt 0 of ReconcilePayment is a one-off read that never reschedules).
        switch (payment.Status)
        {
            case PaymentStatus.Requested:
                yield return new FollowUpCheck(new ResolvePaymentRequest(payment.Id, 1), payment.Id, null,
                    payment.RequestedAt, payment.RequestedAt + timings.RequestRetries[0]);
                break;
            case PaymentStatus.Pending or PaymentStatus.CapturePending:
                // Checked OutcomeCheckAfter after Checkout.com accepted it; settled from its latest change of state.
                var accepted = payment.StatusChanges.First(s => s.Status is PaymentStatus.Pending or PaymentStatus.CapturePending).At;
                yield return new FollowUpCheck(new ReconcilePayment(payment.Id, 1), payment.Id, null,
                    payment.StatusChanges[^1].At, accepted + timings.OutcomeCheckAfter);
                break;
        }

        foreach (var refund in payment.Refunds)
        {
            switch (refund.Status)
            {
                case RefundStatus.Requested:
                    yield return new FollowUpCheck(new ResolveRefund(payment.Id, refund.Id, 1), payment.Id, refund.Id,
                        refund.RequestedAt, refund.RequestedAt + timings.RequestRetries[0]);
                    break;
                case RefundStatus.Pending:
                    // A refund's UpdatedAt moves only when its status does: here, when Checkout.com accepted it.
                    yield return new FollowUpCheck(new ReconcileRefund(payment.Id, refund.Id, 1), payment.Id, refund.Id,
                        refund.UpdatedAt, refund.UpdatedAt + timings.RefundCheckAfter);
                    break;
            }
        }
    }
}

/// <summary>What a follow-up message is about: its type, the payment, and the refund when it is about one.</summary>
public readonly record struct CheckTarget(Type MessageType, Guid PaymentId, Guid? RefundId)
{
    /// <summary>The target of one of the four follow-up messages; null for any other message.</summary>
    public static CheckTarget? Of(object? message) => message switch
    {
        ResolvePaymentRequest m => new CheckTarget(m.GetType(), m.PaymentId, null),
        ReconcilePayment m => new CheckTarget(m.GetType(), m.PaymentId, null),
        ResolveRefund m => new CheckTarget(m.GetType(), m.PaymentId, m.RefundId),
        ReconcileRefund m => new CheckTarget(m.GetType(), m.PaymentId, m.RefundId),
        _ => null,
    };

    public static readonly IReadOnlyList<Type> MessageTypes =
        [typeof(ResolvePaymentRequest), typeof(ReconcilePayment), typeof(ResolveRefund), typeof(ReconcileRefund)];
}
