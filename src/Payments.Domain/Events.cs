namespace Payments.Domain;

// Every event: past tense, the payment id first, amounts in fils, the provider's own ids, and `At` (the injected
// clock's time of recording). The failure events carry the amount at stake after `At` (added later, defaulting to 0
// for streams written before). No card numbers, PINs or secrets, ever.

/// <summary>Marker for everything stored on a payment's stream.</summary>
public interface IPaymentEvent
{
    Guid PaymentId { get; }
    DateTimeOffset At { get; }
}

/// <summary>The merchant's intent, recorded before Checkout.com is called, so an unanswered call is never a guess.</summary>
public sealed record PaymentRequested(Guid PaymentId, KnetPaymentRequest Request, DateTimeOffset At) : IPaymentEvent;

/// <summary>Checkout.com did not answer (timeout, 5xx, refused connection): the payment stays Requested, undecided.</summary>
public sealed record PaymentOutcomeUnknown(Guid PaymentId, string Reason, DateTimeOffset At) : IPaymentEvent;

/// <summary>
/// Checkout.com created the payment. From the API answer it carries the redirect link; from a <c>payment_pending</c>
/// webhook that beat the answer it does not, and a later answer records the link with a second PaymentPending.
/// </summary>
public sealed record PaymentPending(Guid PaymentId, string CheckoutPaymentId, string? RedirectUrl, DateTimeOffset At)
    : IPaymentEvent;

/// <summary>Checkout.com refused the request itself (4xx): nothing was created there.</summary>
public sealed record PaymentRejected(
    Guid PaymentId, int HttpStatus, string? ErrorType, IReadOnlyList<string> ErrorCodes, string? RequestId,
    DateTimeOffset At) : IPaymentEvent;

/// <summary>The customer approved on the bank's page (<c>payment_capture_pending</c>); capture is not yet confirmed.</summary>
public sealed record PaymentApproved(Guid PaymentId, string CheckoutPaymentId, string? ActionId, DateTimeOffset At)
    : IPaymentEvent;

/// <summary>Money moved: KNET captured the amount (<c>payment_captured</c>).</summary>
public sealed record PaymentCaptured(
    Guid PaymentId, string CheckoutPaymentId, string? ActionId, long Amount, string? ResponseCode, DateTimeOffset At)
    : IPaymentEvent;

/// <summary>KNET declined the capture (<c>payment_capture_declined</c>); no money moved.</summary>
public sealed record PaymentCaptureDeclined(
    Guid PaymentId, string CheckoutPaymentId, string? ActionId, string? ResponseCode, string? ResponseSummary,
    DateTimeOffset At, long Amount = 0) : IPaymentEvent;

/// <summary>The customer canceled, or the payment failed on KNET's page (<c>payment_canceled</c>).</summary>
public sealed record PaymentCanceled(Guid PaymentId, string CheckoutPaymentId, string? ActionId, DateTimeOffset At, long Amount = 0)
    : IPaymentEvent;

/// <summary>The KNET page was left open past its limit (<c>payment_expired</c>).</summary>
public sealed record PaymentExpired(Guid PaymentId, string CheckoutPaymentId, string? ActionId, DateTimeOffset At, long Amount = 0)
    : IPaymentEvent;

/// <summary>KNET's own record of the decision, read from Checkout.com's payment details, for reconciliation with the bank.</summary>
public sealed record KnetDetailsRecorded(Guid PaymentId, string CheckoutPaymentId, KnetDetails Details, DateTimeOffset At)
    : IPaymentEvent;

/// <summary>
/// Checkout.com said something that contradicts what we already know (e.g. captured after expired). Not applied;
/// an operator must look. <see cref="Fact"/> names what arrived, with its provider ids; <see cref="RefundId"/> the
/// refund the flag is about, when it is about one (the sweeper leaves that refund's check to the operator; flags stored
/// before the field existed name the refund in their reason).
/// </summary>
public sealed record PaymentFlaggedForReview(
    Guid PaymentId, string Fact, PaymentStatus StatusAtFlag, string Reason, DateTimeOffset At, Guid? RefundId = null) : IPaymentEvent;

/// <summary>A refund's intent, reserving its amount from the refundable balance before Checkout.com is called.</summary>
public sealed record RefundRequested(Guid PaymentId, Guid RefundId, long Amount, string? Reference, DateTimeOffset At)
    : IPaymentEvent;

/// <summary>Checkout.com did not answer a refund call: the refund stays Requested and its amount stays reserved.</summary>
public sealed record RefundOutcomeUnknown(Guid PaymentId, Guid RefundId, string Reason, DateTimeOffset At)
    : IPaymentEvent;

/// <summary>Checkout.com accepted the refund (202, or <c>payment_refund_pending</c>) under this action id.</summary>
public sealed record RefundPending(Guid PaymentId, Guid RefundId, string ActionId, DateTimeOffset At) : IPaymentEvent;

/// <summary>Money returned to the customer (<c>payment_refunded</c>).</summary>
public sealed record RefundSucceeded(Guid PaymentId, Guid RefundId, string? ActionId, long Amount, DateTimeOffset At)
    : IPaymentEvent;

/// <summary>
/// The refund did not happen: Checkout.com refused the call, or <c>payment_refund_declined</c> arrived. Its amount
/// returns to the refundable balance.
/// </summary>
public sealed record RefundDeclined(
    Guid PaymentId, Guid RefundId, string? ActionId, string? ResponseCode, string? ResponseSummary,
    IReadOnlyList<string> ErrorCodes, DateTimeOffset At, long Amount = 0) : IPaymentEvent;

// Operator actions (docs/architecture.md, "Operator actions"): the cause names the operator's key and reason.

/// <summary>An operator read the payment from Checkout.com now; what it said was written just before this, as facts.</summary>
public sealed record PaymentSynced(Guid PaymentId, string CheckoutPaymentId, string CheckoutStatus, DateTimeOffset At)
    : IPaymentEvent;

/// <summary>
/// Our request never arrived: an operator asked Checkout.com, which holds no payment of ours under its reference, so
/// nothing was created there and nothing can be paid. The payment is Rejected; a late fact about it is a contradiction.
/// </summary>
public sealed record PaymentAbandoned(Guid PaymentId, DateTimeOffset At, long Amount = 0) : IPaymentEvent;

/// <summary>
/// An operator took the payment over: the scheduled checks (and the sweeper) leave it alone from now on; only an
/// operator's own check or sync asks Checkout.com about it. Webhooks still apply.
/// </summary>
public sealed record FollowUpsCanceled(Guid PaymentId, DateTimeOffset At) : IPaymentEvent;

/// <summary>An operator looked at every review flag of a decided payment and cleared them.</summary>
public sealed record ReviewCleared(Guid PaymentId, int FlagsCleared, DateTimeOffset At) : IPaymentEvent;
