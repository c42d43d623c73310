namespace Payments.Domain;

/// <summary>
/// Pure decisions: (command or provider fact, state, now) → events, or a refusal. The Stateless machines say whether
/// a trigger is a transition, a no-op or not permitted; these functions only name the events for the answer.
/// </summary>
public static class PaymentDecider
{
    public const string PaymentNotRefundable = "payment_not_refundable";
    public const string RefundAmountInvalid = "refund_amount_invalid";
    public const string RefundReferenceInvalid = "refund_reference_invalid";
    public const string RequestInvalid = "request_invalid";
    public const string ActionNotAllowed = "action_not_allowed";

    /// <summary>Starts a payment: every broken KNET rule at once, or the intent to record before calling Checkout.com.</summary>
    public static Decision Request(Guid paymentId, KnetPaymentRequest request, DateTimeOffset now)
    {
        var errors = KnetRules.Validate(request);
        return errors.Count > 0
            ? Decision.Refused(RequestInvalid, "The payment request breaks KNET's rules.") with { Errors = errors }
            : Decision.Applied("payment requested", new PaymentRequested(paymentId, request, now));
    }

    /// <summary>Applies what Checkout.com said about the payment.</summary>
    public static Decision Decide(Payment payment, PaymentFact fact, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(payment);
        ArgumentNullException.ThrowIfNull(fact);
        if (fact.CheckoutPaymentId is { } said && payment.CheckoutPaymentId is { } known && said != known)
        {
            return Flag(payment, fact.ToString(), $"the fact is about Checkout.com payment {said}, this payment is {known}", now);
        }

        var outcome = Outcome.Of<PaymentStatus, PaymentTrigger>(
            (read, write) => Machines.Payment(payment, read, write), payment.Status, fact.Trigger, fact.Argument);

        return outcome.Kind switch
        {
            OutcomeKind.Transition => Decision.Applied(
                $"{fact.Trigger}: {outcome.From} → {outcome.To}", EventFor(payment, fact, now)),
            OutcomeKind.NoOp => Decision.NoOp($"{fact.Trigger} is a duplicate or late in {payment.Status}"),
            _ => Flag(payment, fact.ToString(), NotPermittedReason(fact.Trigger, payment.Status, outcome), now),
        };
    }

    /// <summary>
    /// Reserves a refund's amount (none given = the whole refundable balance). Asking again with the same refund id
    /// changes nothing: the reservation is already on the stream.
    /// </summary>
    public static Decision RequestRefund(
        Payment payment, Guid refundId, long? amount, string? reference, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(payment);
        if (payment.FindRefund(refundId) is not null)
        {
            return Decision.NoOp($"refund {refundId} is already requested");
        }

        if (KnetRules.ValidateRefund(amount, reference) is [var invalid, ..])
        {
            return Decision.Refused(invalid.Code, invalid.Message);
        }

        var value = amount ?? payment.RefundableAmount;
        var outcome = Outcome.Of<PaymentStatus, PaymentTrigger>(
            (read, write) => Machines.Payment(payment, read, write), payment.Status, PaymentTrigger.RefundRequested, value);

        return outcome switch
        {
            { Kind: OutcomeKind.Transition } => Decision.Applied(
                $"refund of {Kwd.Format(value)} reserved", new RefundRequested(payment.Id, refundId, value, reference, now)),
            { UnmetGuards.Count: > 0 } => Decision.Refused(RefundAmountInvalid,
                $"{Kwd.Format(value)} exceeds the refundable balance of {Kwd.Format(payment.RefundableAmount)}."),
            _ => Decision.Refused(PaymentNotRefundable, $"A {payment.Status} payment cannot be refunded."),
        };
    }

    /// <summary>Applies what Checkout.com said about one refund, and what it means for the payment.</summary>
    public static Decision Decide(Payment payment, RefundFact fact, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(payment);
        ArgumentNullException.ThrowIfNull(fact);
        var description = fact.ToString();
        if (fact.CheckoutPaymentId is { } said && payment.CheckoutPaymentId is { } known && said != known)
        {
            return Flag(payment, description, $"the fact is about Checkout.com payment {said}, this payment is {known}", now);
        }

        var refund = (fact.ActionId is { } actionId ? payment.Refunds.Find(r => r.ActionId == actionId) : null)
                     ?? (fact.RefundId is { } refundId ? payment.FindRefund(refundId) : null);
        if (refund is null)
        {
            return Flag(payment, description, "no refund requested by this service matches it", now);
        }

        if (refund.ActionId is { } recorded && fact.ActionId is { } reported && recorded != reported)
        {
            return Flag(payment, description, $"refund {refund.Id} is Checkout.com action {recorded}, not {reported}", now, refund.Id);
        }

        var outcome = Outcome.Of<RefundStatus, RefundTrigger>(
            (read, write) => Machines.Refund(refund, read, write), refund.Status, fact.Trigger, fact.Argument);
        if (outcome.Kind == OutcomeKind.NoOp)
        {
            return Decision.NoOp($"{fact.Trigger} is a duplicate or late for a {refund.Status} refund");
        }

        if (outcome.Kind == OutcomeKind.NotPermitted)
        {
            return Flag(payment, description,
                $"refund {refund.Id}: {NotPermittedReason(fact.Trigger, refund.Status, outcome)}", now, refund.Id);
        }

        if (outcome.To == RefundStatus.Succeeded)
        {
            var paymentOutcome = Outcome.Of<PaymentStatus, PaymentTrigger>(
                (read, write) => Machines.Payment(payment, read, write), payment.Status, PaymentTrigger.RefundSucceeded,
                refund.Amount);
            if (paymentOutcome.Kind != OutcomeKind.Transition)
            {
                return Flag(payment, description,
                    $"refund {refund.Id}: {NotPermittedReason(PaymentTrigger.RefundSucceeded, payment.Status, paymentOutcome)}", now, refund.Id);
            }

            return Decision.Applied($"refund {refund.Id} succeeded: {payment.Status} → {paymentOutcome.To}",
                new RefundSucceeded(payment.Id, refund.Id, fact.ActionId, refund.Amount, now));
        }

        return Decision.Applied($"refund {refund.Id} {fact.Trigger}: {outcome.From} → {outcome.To}",
            EventFor(payment.Id, refund, fact, now));
    }

    /// <summary>Asks an operator to look, about the refund <paramref name="refundId"/> when given; the same reason twice is recorded once.</summary>
    public static Decision FlagForReview(Payment payment, string reason, DateTimeOffset now, Guid? refundId = null)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return payment.ReviewFlags.Exists(f => f.Reason == reason)
            ? Decision.NoOp($"already flagged: {reason}")
            : Flag(payment, "review requested by this service", reason, now, refundId);
    }

    /// <summary>
    /// Whether the machine permits an operator's command in the payment's state, before anything is asked of
    /// Checkout.com: the refusal (409 <c>action_not_allowed</c>), or null.
    /// </summary>
    public static Decision? RefusalOf(Payment payment, PaymentTrigger command)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var outcome = Outcome.Of<PaymentStatus, PaymentTrigger>(
            (read, write) => Machines.Payment(payment, read, write), payment.Status, command);
        return outcome.Kind == OutcomeKind.NotPermitted
            ? Decision.Refused(ActionNotAllowed, outcome.UnmetGuards.Count > 0
                ? $"{command} is not allowed in {payment.Status}: it needs {outcome.UnmetGuards[0]}."
                : $"{command} is not allowed in {payment.Status}.")
            : null;
    }

    /// <summary>Whether an operator's command would change something now (not refused, not a no-op): a console offers it then.</summary>
    public static bool Changes(Payment payment, PaymentTrigger command)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return Outcome.Of<PaymentStatus, PaymentTrigger>(
            (read, write) => Machines.Payment(payment, read, write), payment.Status, command).Kind == OutcomeKind.Transition;
    }

    /// <summary>An operator read the payment from Checkout.com, which said <paramref name="checkoutStatus"/>.</summary>
    public static Decision Sync(Payment payment, string checkoutStatus, DateTimeOffset now) =>
        Operate(payment, PaymentTrigger.SyncRequested,
            () => new PaymentSynced(payment.Id, payment.CheckoutPaymentId!, checkoutStatus, now));

    /// <summary>Checkout.com holds no payment of ours for this request: it never arrived, and the payment fails.</summary>
    public static Decision Abandon(Payment payment, DateTimeOffset now) =>
        Operate(payment, PaymentTrigger.NoRecordFound, () => new PaymentAbandoned(payment.Id, now, payment.Amount));

    /// <summary>An operator stops the scheduled checks; asking twice changes nothing.</summary>
    public static Decision CancelChecks(Payment payment, DateTimeOffset now) =>
        Operate(payment, PaymentTrigger.ChecksCancelRequested, () => new FollowUpsCanceled(payment.Id, now));

    /// <summary>An operator clears the review flags of a decided payment; with none to clear it changes nothing.</summary>
    public static Decision ClearReview(Payment payment, DateTimeOffset now) =>
        Operate(payment, PaymentTrigger.ReviewClearRequested, () => new ReviewCleared(payment.Id, payment.ReviewFlags.Count, now));

    private static Decision Operate(Payment payment, PaymentTrigger command, Func<IPaymentEvent> @event)
    {
        ArgumentNullException.ThrowIfNull(payment);
        if (RefusalOf(payment, command) is { } refused)
        {
            return refused;
        }

        var outcome = Outcome.Of<PaymentStatus, PaymentTrigger>(
            (read, write) => Machines.Payment(payment, read, write), payment.Status, command);
        return outcome.Kind == OutcomeKind.Transition
            ? Decision.Applied($"{command}: {outcome.From} → {outcome.To}", @event())
            : Decision.NoOp($"{command} is already carried out in {payment.Status}");
    }

    private static IPaymentEvent EventFor(Payment payment, PaymentFact fact, DateTimeOffset now) => EventFor(payment.Id, payment.Amount, fact, now);

    private static IPaymentEvent EventFor(Guid paymentId, long amount, PaymentFact fact, DateTimeOffset now) => fact switch
    {
        PaymentFact.Accepted f => new PaymentPending(paymentId, f.PaymentIdAtCheckout, f.RedirectUrl, now),
        PaymentFact.Pending f => new PaymentPending(paymentId, f.PaymentIdAtCheckout, null, now),
        PaymentFact.Rejected f => new PaymentRejected(paymentId, f.HttpStatus, f.ErrorType, f.ErrorCodes, f.RequestId, now),
        PaymentFact.NoAnswer f => new PaymentOutcomeUnknown(paymentId, f.Reason, now),
        PaymentFact.Approved f => new PaymentApproved(paymentId, f.PaymentIdAtCheckout, f.ActionId, now),
        PaymentFact.Captured f => new PaymentCaptured(
            paymentId, f.PaymentIdAtCheckout, f.ActionId, f.Amount, f.ResponseCode, now),
        PaymentFact.CaptureDeclined f => new PaymentCaptureDeclined(
            paymentId, f.PaymentIdAtCheckout, f.ActionId, f.ResponseCode, f.ResponseSummary, now, amount),
        PaymentFact.Canceled f => new PaymentCanceled(paymentId, f.PaymentIdAtCheckout, f.ActionId, now, amount),
        PaymentFact.Expired f => new PaymentExpired(paymentId, f.PaymentIdAtCheckout, f.ActionId, now, amount),
        PaymentFact.KnetDetailsReported f => new KnetDetailsRecorded(paymentId, f.PaymentIdAtCheckout, f.Details, now),
        _ => throw new ArgumentOutOfRangeException(nameof(fact), fact, "Unknown payment fact."),
    };

    private static IPaymentEvent EventFor(Guid paymentId, Refund refund, RefundFact fact, DateTimeOffset now) => fact switch
    {
        RefundFact.Accepted f => new RefundPending(paymentId, refund.Id, f.CheckoutActionId, now),
        RefundFact.Pending f => new RefundPending(paymentId, refund.Id, f.CheckoutActionId, now),
        RefundFact.NoAnswer f => new RefundOutcomeUnknown(paymentId, refund.Id, f.Reason, now),
        RefundFact.Refused f => new RefundDeclined(paymentId, refund.Id, null, null,
            $"Checkout.com refused the refund with HTTP {f.HttpStatus}", f.ErrorCodes, now, refund.Amount),
        RefundFact.Declined f => new RefundDeclined(
            paymentId, refund.Id, f.CheckoutActionId, f.ResponseCode, f.ResponseSummary, [], now, refund.Amount),
        _ => throw new ArgumentOutOfRangeException(nameof(fact), fact, "Unknown refund fact."),
    };

    private static Decision Flag(Payment payment, string fact, string reason, DateTimeOffset now, Guid? refundId = null) =>
        new(DecisionKind.Flagged, [new PaymentFlaggedForReview(payment.Id, fact, payment.Status, reason, now, refundId)], reason);

    private static string NotPermittedReason<TState, TTrigger>(TTrigger trigger, TState state, MachineOutcome<TState> outcome)
        where TState : struct, Enum =>
        outcome.UnmetGuards.Count > 0
            ? $"{trigger} in {state} fails: {string.Join("; ", outcome.UnmetGuards)}"
            : $"{trigger} contradicts {state}";
}
