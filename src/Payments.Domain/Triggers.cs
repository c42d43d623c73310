namespace Payments.Domain;

/// <summary>What can happen to a payment. <see cref="TriggerCatalog"/> names the Checkout.com answer or webhook behind each.</summary>
public enum PaymentTrigger
{
    CheckoutAccepted,
    CheckoutRejected,
    CheckoutDidNotAnswer,
    PendingReported,
    ApprovalReported,
    CaptureReported,
    CaptureDeclineReported,
    CancellationReported,
    ExpiryReported,
    KnetDetailsReported,

    /// <summary>The merchant's command, not a provider fact: refused when the machine does not permit it.</summary>
    RefundRequested,
    RefundSucceeded,

    /// <summary>
    /// Operator commands (<c>operations:admin</c>, each with a reason in its cause): refused when the machine does not
    /// permit them (docs/architecture.md, "Operator actions").
    /// </summary>
    SyncRequested,
    NoRecordFound,
    ChecksCancelRequested,
    ReviewClearRequested,
}

/// <summary>What can happen to one refund.</summary>
public enum RefundTrigger
{
    CheckoutAccepted,
    CheckoutRefused,
    CheckoutDidNotAnswer,
    PendingReported,
    RefundReported,
    DeclineReported,
}
