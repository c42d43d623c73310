using Stateless;
using Stateless.Graph;

namespace Payments.Domain;

/// <summary>
/// The one allow-list of the payment's and the refund's lives. For every (state, trigger) pair it says one thing:
/// a transition (Permit, guarded re-entry), a no-op (Ignore: a duplicate or late fact), or — by not configuring
/// the pair — a contradiction for provider facts and a refusal for merchant commands.
/// Built per decision with external state read from the aggregate; never stored.
/// </summary>
public static class Machines
{
    public const string CapturedAmountMatches = "captured amount equals requested amount";
    public const string RedirectNotYetRecorded = "redirect not yet recorded";
    public const string RedirectAlreadyRecorded = "redirect already recorded";
    public const string KnetDetailsAreNew = "KNET details are new";
    public const string KnetDetailsAlreadyRecorded = "KNET details already recorded";
    public const string WithinRefundableBalance = "0 < amount <= refundable balance";
    public const string RefundsStayBelowCaptured = "refunded total stays below captured";
    public const string RefundsReachCaptured = "refunded total reaches captured";
    public const string RefundedAmountMatches = "refunded amount equals requested amount";
    public const string ChecksNotYetCanceled = "checks not yet canceled";
    public const string ChecksAlreadyCanceled = "checks already canceled";
    public const string RefundInFlight = "a refund waits for Checkout.com";
    public const string FlaggedForReview = "flagged for review";
    public const string NotFlagged = "not flagged";

    /// <summary>The payment machine over <paramref name="payment"/>'s status; guards read <paramref name="payment"/>.</summary>
    public static StateMachine<PaymentStatus, PaymentTrigger> Payment(Payment payment, Func<PaymentStatus> read,
        Action<PaymentStatus> write)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var m = new StateMachine<PaymentStatus, PaymentTrigger>(read, write, FiringMode.Immediate);
        var capture = m.SetTriggerParameters<long>(PaymentTrigger.CaptureReported);
        var details = m.SetTriggerParameters<KnetDetails>(PaymentTrigger.KnetDetailsReported);
        var refund = m.SetTriggerParameters<long>(PaymentTrigger.RefundRequested);
        var refunded = m.SetTriggerParameters<long>(PaymentTrigger.RefundSucceeded);

        bool CaptureMatches(long amount) => amount == payment.Amount;
        bool DetailsNew(KnetDetails d) => payment.Knet != d;
        bool Refundable(long amount) => amount > 0 && amount <= payment.RefundableAmount;
        bool StaysBelow(long amount) => payment.RefundedAmount + amount < payment.CapturedAmount;
        bool Reaches(long amount) => payment.RefundedAmount + amount == payment.CapturedAmount;

        // Facts that say "the customer is still deciding" arrive late once a decision is known.
        void IgnoreEarlyFacts(StateMachine<PaymentStatus, PaymentTrigger>.StateConfiguration s) => s
            .Ignore(PaymentTrigger.CheckoutAccepted)
            .Ignore(PaymentTrigger.CheckoutDidNotAnswer)
            .Ignore(PaymentTrigger.PendingReported)
            .Ignore(PaymentTrigger.ApprovalReported);

        void Details(StateMachine<PaymentStatus, PaymentTrigger>.StateConfiguration s) => s
            .PermitReentryIf(details, DetailsNew, KnetDetailsAreNew)
            .IgnoreIf(details, d => !DetailsNew(d), KnetDetailsAlreadyRecorded);

        // Deciding facts that may arrive before any earlier one (order is not promised).
        void Decisions(StateMachine<PaymentStatus, PaymentTrigger>.StateConfiguration s) => s
            .PermitIf(capture, PaymentStatus.Captured, CaptureMatches, CapturedAmountMatches)
            .Permit(PaymentTrigger.CaptureDeclineReported, PaymentStatus.Declined)
            .Permit(PaymentTrigger.CancellationReported, PaymentStatus.Canceled)
            .Permit(PaymentTrigger.ExpiryReported, PaymentStatus.Expired);

        // Operator commands (docs/architecture.md, "Operator actions"). Sync reads what Checkout.com holds: only a
        // payment it created has anything to read. Canceling checks stops our own asking while something waits for
        // Checkout.com; asking twice changes nothing. A review flag is cleared only once the payment is decided.
        void Sync(StateMachine<PaymentStatus, PaymentTrigger>.StateConfiguration s) => s
            .PermitReentry(PaymentTrigger.SyncRequested);
        void CancelChecks(StateMachine<PaymentStatus, PaymentTrigger>.StateConfiguration s, bool onlyForRefunds) => s
            .PermitReentryIf(PaymentTrigger.ChecksCancelRequested,
                () => !payment.ChecksCanceled && (!onlyForRefunds || payment.InFlightRefundAmount > 0),
                onlyForRefunds ? $"{RefundInFlight}; {ChecksNotYetCanceled}" : ChecksNotYetCanceled)
            .IgnoreIf(PaymentTrigger.ChecksCancelRequested, () => payment.ChecksCanceled, ChecksAlreadyCanceled);
        void ClearReview(StateMachine<PaymentStatus, PaymentTrigger>.StateConfiguration s) => s
            .PermitReentryIf(PaymentTrigger.ReviewClearRequested, () => payment.NeedsReview, FlaggedForReview)
            .IgnoreIf(PaymentTrigger.ReviewClearRequested, () => !payment.NeedsReview, NotFlagged);

        var requested = m.Configure(PaymentStatus.Requested)
            .Permit(PaymentTrigger.CheckoutAccepted, PaymentStatus.Pending)
            .Permit(PaymentTrigger.PendingReported, PaymentStatus.Pending)
            .Permit(PaymentTrigger.CheckoutRejected, PaymentStatus.Rejected)
            .PermitReentry(PaymentTrigger.CheckoutDidNotAnswer)
            .Permit(PaymentTrigger.ApprovalReported, PaymentStatus.CapturePending)
            .Permit(PaymentTrigger.NoRecordFound, PaymentStatus.Rejected);
        Decisions(requested);
        Details(requested);
        CancelChecks(requested, onlyForRefunds: false);

        var pending = m.Configure(PaymentStatus.Pending)
            .PermitReentryIf(PaymentTrigger.CheckoutAccepted, () => payment.RedirectUrl is null, RedirectNotYetRecorded)
            .IgnoreIf(PaymentTrigger.CheckoutAccepted, () => payment.RedirectUrl is not null, RedirectAlreadyRecorded)
            .Ignore(PaymentTrigger.PendingReported)
            .Ignore(PaymentTrigger.CheckoutDidNotAnswer)
            .Permit(PaymentTrigger.ApprovalReported, PaymentStatus.CapturePending);
        Decisions(pending);
        Details(pending);
        Sync(pending);
        CancelChecks(pending, onlyForRefunds: false);

        var capturePending = m.Configure(PaymentStatus.CapturePending);
        IgnoreEarlyFacts(capturePending);
        Decisions(capturePending);
        Details(capturePending);
        Sync(capturePending);
        CancelChecks(capturePending, onlyForRefunds: false);

        foreach (var refundable in new[] { PaymentStatus.Captured, PaymentStatus.PartiallyRefunded })
        {
            var s = m.Configure(refundable).Ignore(PaymentTrigger.CaptureReported);
            IgnoreEarlyFacts(s);
            Details(s);
            Sync(s);
            CancelChecks(s, onlyForRefunds: true);
            ClearReview(s);
            s.PermitReentryIf(refund, Refundable, WithinRefundableBalance);
            s.PermitIf(refunded, PaymentStatus.Refunded, Reaches, RefundsReachCaptured);
            if (refundable == PaymentStatus.Captured)
            {
                s.PermitIf(refunded, PaymentStatus.PartiallyRefunded, StaysBelow, RefundsStayBelowCaptured);
            }
            else
            {
                s.PermitReentryIf(refunded, StaysBelow, RefundsStayBelowCaptured);
            }
        }

        var fullyRefunded = m.Configure(PaymentStatus.Refunded).Ignore(PaymentTrigger.CaptureReported);
        IgnoreEarlyFacts(fullyRefunded);
        Details(fullyRefunded);
        Sync(fullyRefunded);
        ClearReview(fullyRefunded);

        // Failures: another word for the same failure is a no-op (no money moved either way); money moving is not.
        foreach (var failed in new[] { PaymentStatus.Declined, PaymentStatus.Canceled, PaymentStatus.Expired })
        {
            var s = m.Configure(failed)
                .Ignore(PaymentTrigger.CaptureDeclineReported)
                .Ignore(PaymentTrigger.CancellationReported)
                .Ignore(PaymentTrigger.ExpiryReported);
            IgnoreEarlyFacts(s);
            Details(s);
            Sync(s);
            ClearReview(s);
        }

        var rejected = m.Configure(PaymentStatus.Rejected)
            .Ignore(PaymentTrigger.CheckoutRejected)
            .Ignore(PaymentTrigger.CheckoutDidNotAnswer);
        ClearReview(rejected);

        return m;
    }

    /// <summary>One refund's machine; guards read <paramref name="refund"/>.</summary>
    public static StateMachine<RefundStatus, RefundTrigger> Refund(Refund refund, Func<RefundStatus> read,
        Action<RefundStatus> write)
    {
        ArgumentNullException.ThrowIfNull(refund);
        var m = new StateMachine<RefundStatus, RefundTrigger>(read, write, FiringMode.Immediate);
        var reported = m.SetTriggerParameters<long>(RefundTrigger.RefundReported);
        bool Matches(long amount) => amount == refund.Amount;

        m.Configure(RefundStatus.Requested)
            .Permit(RefundTrigger.CheckoutAccepted, RefundStatus.Pending)
            .Permit(RefundTrigger.PendingReported, RefundStatus.Pending)
            .Permit(RefundTrigger.CheckoutRefused, RefundStatus.Declined)
            .PermitReentry(RefundTrigger.CheckoutDidNotAnswer)
            .PermitIf(reported, RefundStatus.Succeeded, Matches, RefundedAmountMatches)
            .Permit(RefundTrigger.DeclineReported, RefundStatus.Declined);

        m.Configure(RefundStatus.Pending)
            .Ignore(RefundTrigger.CheckoutAccepted)
            .Ignore(RefundTrigger.PendingReported)
            .Ignore(RefundTrigger.CheckoutDidNotAnswer)
            .PermitIf(reported, RefundStatus.Succeeded, Matches, RefundedAmountMatches)
            .Permit(RefundTrigger.DeclineReported, RefundStatus.Declined);

        m.Configure(RefundStatus.Succeeded)
            .Ignore(RefundTrigger.CheckoutAccepted)
            .Ignore(RefundTrigger.PendingReported)
            .Ignore(RefundTrigger.CheckoutDidNotAnswer)
            .Ignore(RefundTrigger.RefundReported);

        m.Configure(RefundStatus.Declined)
            .Ignore(RefundTrigger.CheckoutAccepted)
            .Ignore(RefundTrigger.PendingReported)
            .Ignore(RefundTrigger.CheckoutDidNotAnswer)
            .Ignore(RefundTrigger.CheckoutRefused)
            .Ignore(RefundTrigger.DeclineReported);

        return m;
    }

    /// <summary>Mermaid <c>stateDiagram-v2</c> of the payment machine, drawn from the configuration above.</summary>
    public static string PaymentDiagram()
    {
        var state = PaymentStatus.Requested;
        return MermaidGraph.Format(Payment(new Payment(), () => state, s => state = s).GetInfo());
    }

    /// <summary>Mermaid <c>stateDiagram-v2</c> of the refund machine, drawn from the configuration above.</summary>
    public static string RefundDiagram()
    {
        var state = RefundStatus.Requested;
        var refund = new Refund(Guid.Empty, 0, null, RefundStatus.Requested, null, default, default);
        return MermaidGraph.Format(Refund(refund, () => state, s => state = s).GetInfo());
    }
}
