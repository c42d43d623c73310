namespace Payments.Domain;

/// <summary>One stored event as the auditor sees it: the event, when it was stored, and the cause recorded with it.</summary>
public sealed record AuditedEvent(object Data, long Version, DateTimeOffset Timestamp, string? Cause);

public enum FindingKind
{
    /// <summary>An event the machine would not have produced from the state before it.</summary>
    IllegalTransition,

    /// <summary>Refunded plus in flight exceeds captured.</summary>
    BalanceBreach,

    /// <summary>A payment or refund still undecided past the deadline.</summary>
    UndecidedPastDeadline,

    /// <summary>An event stored without the cause that explains it.</summary>
    MissingCause,
}

public sealed record AuditFinding(Guid PaymentId, long? Version, FindingKind Kind, string Detail);

/// <summary>
/// Replays a payment's stream through the machines, event by event, and reports what an auditor must see. Every
/// event must be one the machine permits as a transition from the state before it; a no-op or a contradiction
/// that was nevertheless written is illegal (review flags are always allowed: they apply nothing). Events that are not
/// payment events are passed over, as the fold passes over them.
/// </summary>
public static class StreamAudit
{
    public static IReadOnlyList<AuditFinding> Check(Guid paymentId, IReadOnlyList<AuditedEvent> stream, DateTimeOffset now, TimeSpan deadline)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var findings = new List<AuditFinding>();
        Payment? state = null;
        foreach (var e in stream)
        {
            if (e.Data is not IPaymentEvent)
            {
                // Not the payment's (see Payment.Evolve): no transition to judge and no cause of ours to expect.
                state = Payment.Evolve(state, e.Data);
                continue;
            }

            if (string.IsNullOrEmpty(e.Cause))
            {
                findings.Add(new AuditFinding(paymentId, e.Version, FindingKind.MissingCause, $"{e.Data.GetType().Name} has no cause"));
            }
            else if (OperatorCause.IsOperatorEvent(e.Data) && OperatorCause.ReasonOf(e.Cause) is null)
            {
                findings.Add(new AuditFinding(paymentId, e.Version, FindingKind.MissingCause,
                    $"{e.Data.GetType().Name} has no operator's reason in its cause"));
            }

            if (state is not null && Illegal(state, e.Data) is { } why)
            {
                findings.Add(new AuditFinding(paymentId, e.Version, FindingKind.IllegalTransition, why));
            }
            else if (state is null && e.Data is not PaymentRequested)
            {
                findings.Add(new AuditFinding(paymentId, e.Version, FindingKind.IllegalTransition,
                    $"the stream starts with {e.Data.GetType().Name}, not {nameof(PaymentRequested)}"));
                break;
            }

            state = Payment.Evolve(state, e.Data);
            if (state is not null && state.RefundedAmount + state.InFlightRefundAmount > state.CapturedAmount)
            {
                findings.Add(new AuditFinding(paymentId, e.Version, FindingKind.BalanceBreach,
                    $"refunded {Kwd.Format(state.RefundedAmount)} + in flight {Kwd.Format(state.InFlightRefundAmount)} > captured {Kwd.Format(state.CapturedAmount)}"));
            }
        }

        if (state is not null)
        {
            if (state.Status is PaymentStatus.Requested or PaymentStatus.Pending or PaymentStatus.CapturePending
                && now - state.RequestedAt > deadline)
            {
                findings.Add(new AuditFinding(paymentId, null, FindingKind.UndecidedPastDeadline,
                    $"{state.Status} since {state.RequestedAt:O}"));
            }

            foreach (var refund in state.Refunds.Where(r => r.IsInFlight && now - r.RequestedAt > deadline))
            {
                findings.Add(new AuditFinding(paymentId, null, FindingKind.UndecidedPastDeadline,
                    $"refund {refund.Id} {refund.Status} since {refund.RequestedAt:O}"));
            }
        }

        return findings;
    }

    /// <summary>Why the machine would not have written this event from this state; null when it would.</summary>
    private static string? Illegal(Payment state, object e)
    {
        MachineOutcome<PaymentStatus> OnPayment(PaymentTrigger trigger, object? argument = null) =>
            Outcome.Of<PaymentStatus, PaymentTrigger>((r, w) => Machines.Payment(state, r, w), state.Status, trigger, argument);

        string? OnRefund(Guid refundId, RefundTrigger trigger, object? argument = null)
        {
            if (state.FindRefund(refundId) is not { } refund)
            {
                return $"{e.GetType().Name} for refund {refundId}, which was never requested";
            }

            var outcome = Outcome.Of<RefundStatus, RefundTrigger>((r, w) => Machines.Refund(refund, r, w), refund.Status, trigger, argument);
            return outcome.Kind == OutcomeKind.Transition ? null : $"{trigger} on a {refund.Status} refund is {Describe(outcome.Kind)}";
        }

        string? Payment(PaymentTrigger trigger, object? argument = null)
        {
            var outcome = OnPayment(trigger, argument);
            return outcome.Kind == OutcomeKind.Transition ? null : $"{trigger} in {state.Status} is {Describe(outcome.Kind)}";
        }

        return e switch
        {
            PaymentRequested => "a second PaymentRequested",
            PaymentPending p => Payment(p.RedirectUrl is null ? PaymentTrigger.PendingReported : PaymentTrigger.CheckoutAccepted),
            PaymentRejected => Payment(PaymentTrigger.CheckoutRejected),
            PaymentOutcomeUnknown => Payment(PaymentTrigger.CheckoutDidNotAnswer),
            PaymentApproved => Payment(PaymentTrigger.ApprovalReported),
            PaymentCaptured c => Payment(PaymentTrigger.CaptureReported, c.Amount),
            PaymentCaptureDeclined => Payment(PaymentTrigger.CaptureDeclineReported),
            PaymentCanceled => Payment(PaymentTrigger.CancellationReported),
            PaymentExpired => Payment(PaymentTrigger.ExpiryReported),
            KnetDetailsRecorded k => Payment(PaymentTrigger.KnetDetailsReported, k.Details),
            PaymentFlaggedForReview => null,
            PaymentSynced => Payment(PaymentTrigger.SyncRequested),
            PaymentAbandoned => Payment(PaymentTrigger.NoRecordFound),
            FollowUpsCanceled => Payment(PaymentTrigger.ChecksCancelRequested),
            ReviewCleared => Payment(PaymentTrigger.ReviewClearRequested),
            RefundRequested r => state.FindRefund(r.RefundId) is not null
                ? $"refund {r.RefundId} requested twice"
                : Payment(PaymentTrigger.RefundRequested, r.Amount),
            RefundOutcomeUnknown r => OnRefund(r.RefundId, RefundTrigger.CheckoutDidNotAnswer),
            RefundPending r => OnRefund(r.RefundId, RefundTrigger.PendingReported),
            RefundDeclined r => OnRefund(r.RefundId, r.ActionId is null ? RefundTrigger.CheckoutRefused : RefundTrigger.DeclineReported),
            RefundSucceeded r => OnRefund(r.RefundId, RefundTrigger.RefundReported, state.FindRefund(r.RefundId)?.Amount ?? r.Amount)
                ?? (r.Amount != state.FindRefund(r.RefundId)!.Amount ? $"refund {r.RefundId} succeeded for {Kwd.Format(r.Amount)}, not the {Kwd.Format(state.FindRefund(r.RefundId)!.Amount)} requested" : null)
                ?? Payment(PaymentTrigger.RefundSucceeded, r.Amount),
            _ => $"unknown event {e.GetType().Name}",
        };
    }

    private static string Describe(OutcomeKind kind) => kind == OutcomeKind.NoOp ? "a no-op that was written anyway" : "not permitted";
}
