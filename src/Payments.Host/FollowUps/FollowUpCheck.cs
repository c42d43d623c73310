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

    /// <summary>
    /// The pending messages that stand for this check: its own target, and for a read of KNET's record also the
    /// payment's outcome check, which reads the record when it finds the payment decided (the webhook that decides a
    /// payment schedules that read as <c>ReconcilePayment #0</c>; a delayed one is not missing).
    /// </summary>
    public IReadOnlyList<CheckTarget> CoveredBy => Message is ReadKnetDetails
        ? [Target, new CheckTarget(typeof(ReconcilePayment), PaymentId, null)]
        : [Target];

    /// <summary>The message as a log shows it: its type and ids, never card data (the messages carry none).</summary>
    public string Description => Message.ToString() ?? Message.GetType().Name;

    /// <summary>How the flag begins that ends the reads of KNET's record (<see cref="ReconcilePaymentHandler.AskAgainForKnetDetails"/>).</summary>
    public const string KnetRecordFlag = "KNET's record";

    /// <summary>
    /// Every check this payment should have. A flag hands to an operator what it names, so the check it ended is not
    /// re-created (it would restart the very chain the bound ended and race the operator's decision): any flag ends the
    /// payment's own outcome check, a refund's only a flag naming that refund; a payment flagged for another reason
    /// still has its refunds checked. A decided payment still without KNET's record, and no flag saying so, has its
    /// read of the record (<see cref="ReadKnetDetails"/>). None at all once an operator canceled the payment's checks
    /// (<see cref="FollowUpsCanceled"/>). The simulator found both gaps this closes (docs/architecture.md,
    /// "Deterministic simulation").
    /// </summary>
    public static IEnumerable<FollowUpCheck> For(Payment payment, PaymentTimings timings)
    {
        ArgumentNullException.ThrowIfNull(payment);
        ArgumentNullException.ThrowIfNull(timings);
        if (payment.ChecksCanceled)
        {
            yield break;
        }

        foreach (var check in Undecided(payment, timings))
        {
            var flagged = check.RefundId is { } refundId
                ? payment.ReviewFlags.Exists(f => f.RefundId == refundId
                                                   // Flags stored before they carried the refund's id name it in their reason.
                                                   || f.RefundId is null && f.Reason.Contains($"refund {refundId}", StringComparison.Ordinal))
                : payment.NeedsReview;
            if (!flagged)
            {
                yield return check;
            }
        }

        if (AwaitsKnetRecord(payment))
        {
            var decided = payment.StatusChanges[^1].At;
            yield return new FollowUpCheck(new ReadKnetDetails(payment.Id, 1), payment.Id, null, decided, decided + timings.KnetDetailsRetries[0]);
        }
    }

    /// <summary>Decided at Checkout.com, KNET's record not yet recorded, and no flag saying it never came.</summary>
    public static bool AwaitsKnetRecord(Payment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return payment is { Knet: null, CheckoutPaymentId: not null }
            && payment.Status is not (PaymentStatus.Requested or PaymentStatus.Pending or PaymentStatus.CapturePending or PaymentStatus.Rejected)
            && !payment.ReviewFlags.Exists(f => f.Reason.StartsWith(KnetRecordFlag, StringComparison.Ordinal));
    }

    /// <summary>
    /// A one-off ask now, for an operator: the same message as attempt 0, which asks Checkout.com once and neither
    /// starts nor ends a chain of checks, carrying the operator's request as the cause of what it records.
    /// </summary>
    public object AskNow(string cause) => Message switch
    {
        ResolvePaymentRequest m => m with { Attempt = 0, Cause = cause },
        ReconcilePayment m => m with { Attempt = 0, Cause = cause },
        ResolveRefund m => m with { Attempt = 0, Cause = cause },
        ReconcileRefund m => m with { Attempt = 0, Cause = cause },
        _ => throw new InvalidOperationException($"{Message.GetType().Name} is not a follow-up check."),
    };

    /// <summary>The check for each undecided part of the payment (itself, each refund in flight), flagged or not.</summary>
    public static IEnumerable<FollowUpCheck> Undecided(Payment payment, PaymentTimings timings)
    {
        ArgumentNullException.ThrowIfNull(payment);
        ArgumentNullException.ThrowIfNull(timings);

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
        ReadKnetDetails m => new CheckTarget(m.GetType(), m.PaymentId, null),
        _ => null,
    };

    public static readonly IReadOnlyList<Type> MessageTypes =
        [typeof(ResolvePaymentRequest), typeof(ReconcilePayment), typeof(ResolveRefund), typeof(ReconcileRefund), typeof(ReadKnetDetails)];
}
