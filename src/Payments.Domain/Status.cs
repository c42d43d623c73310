namespace Payments.Domain;

public enum PaymentStatus
{
    /// <summary>We asked Checkout.com and have no answer yet: the outcome is unknown, not assumed.</summary>
    Requested,
    Pending,
    CapturePending,
    Captured,
    PartiallyRefunded,
    Refunded,
    Rejected,
    Declined,
    Canceled,
    Expired,
}

public enum RefundStatus
{
    Requested,
    Pending,
    Succeeded,
    Declined,
}
