namespace Payments.Domain;

/// <summary>
/// Something Checkout.com told us about a payment: an API answer, a webhook, or its payment details. The Host maps
/// the wire to these; the decisions map these to events. <see cref="Argument"/> feeds the trigger's guards.
/// </summary>
public abstract record PaymentFact(PaymentTrigger Trigger)
{
    public virtual string? CheckoutPaymentId => null;
    public virtual object? Argument => null;

    public sealed record Accepted(string PaymentIdAtCheckout, string RedirectUrl) : PaymentFact(PaymentTrigger.CheckoutAccepted)
    {
        public override string? CheckoutPaymentId => PaymentIdAtCheckout;
    }

    public sealed record Rejected(int HttpStatus, string? ErrorType, IReadOnlyList<string> ErrorCodes, string? RequestId)
        : PaymentFact(PaymentTrigger.CheckoutRejected)
    {
        public override string ToString() =>
            $"{Trigger} {{ HttpStatus = {HttpStatus}, ErrorType = {ErrorType}, ErrorCodes = [{string.Join(", ", ErrorCodes)}] }}";
    }

    public sealed record NoAnswer(string Reason) : PaymentFact(PaymentTrigger.CheckoutDidNotAnswer);

    public sealed record Pending(string PaymentIdAtCheckout) : PaymentFact(PaymentTrigger.PendingReported)
    {
        public override string? CheckoutPaymentId => PaymentIdAtCheckout;
    }

    public sealed record Approved(string PaymentIdAtCheckout, string? ActionId) : PaymentFact(PaymentTrigger.ApprovalReported)
    {
        public override string? CheckoutPaymentId => PaymentIdAtCheckout;
    }

    public sealed record Captured(string PaymentIdAtCheckout, string? ActionId, long Amount, string? ResponseCode)
        : PaymentFact(PaymentTrigger.CaptureReported)
    {
        public override string? CheckoutPaymentId => PaymentIdAtCheckout;
        public override object? Argument => Amount;
    }

    public sealed record CaptureDeclined(
        string PaymentIdAtCheckout, string? ActionId, string? ResponseCode, string? ResponseSummary)
        : PaymentFact(PaymentTrigger.CaptureDeclineReported)
    {
        public override string? CheckoutPaymentId => PaymentIdAtCheckout;
    }

    public sealed record Canceled(string PaymentIdAtCheckout, string? ActionId) : PaymentFact(PaymentTrigger.CancellationReported)
    {
        public override string? CheckoutPaymentId => PaymentIdAtCheckout;
    }

    public sealed record Expired(string PaymentIdAtCheckout, string? ActionId) : PaymentFact(PaymentTrigger.ExpiryReported)
    {
        public override string? CheckoutPaymentId => PaymentIdAtCheckout;
    }

    public sealed record KnetDetailsReported(string PaymentIdAtCheckout, KnetDetails Details)
        : PaymentFact(PaymentTrigger.KnetDetailsReported)
    {
        public override string? CheckoutPaymentId => PaymentIdAtCheckout;
        public override object? Argument => Details;
    }
}

/// <summary>
/// Something Checkout.com told us about one refund. Webhooks name the refund by Checkout's action id and, through
/// the reference we sent, by our refund id; either finds it.
/// </summary>
public abstract record RefundFact(RefundTrigger Trigger)
{
    public virtual Guid? RefundId => null;
    public virtual string? ActionId => null;
    public virtual string? CheckoutPaymentId => null;
    public virtual object? Argument => null;

    public sealed record Accepted(Guid OurRefundId, string CheckoutActionId) : RefundFact(RefundTrigger.CheckoutAccepted)
    {
        public override Guid? RefundId => OurRefundId;
        public override string? ActionId => CheckoutActionId;
    }

    public sealed record Refused(Guid OurRefundId, int HttpStatus, IReadOnlyList<string> ErrorCodes)
        : RefundFact(RefundTrigger.CheckoutRefused)
    {
        public override Guid? RefundId => OurRefundId;

        public override string ToString() =>
            $"{Trigger} {{ RefundId = {OurRefundId}, HttpStatus = {HttpStatus}, ErrorCodes = [{string.Join(", ", ErrorCodes)}] }}";
    }

    public sealed record NoAnswer(Guid OurRefundId, string Reason) : RefundFact(RefundTrigger.CheckoutDidNotAnswer)
    {
        public override Guid? RefundId => OurRefundId;
    }

    public sealed record Pending(string PaymentIdAtCheckout, string CheckoutActionId, Guid? OurRefundId)
        : RefundFact(RefundTrigger.PendingReported)
    {
        public override Guid? RefundId => OurRefundId;
        public override string? ActionId => CheckoutActionId;
        public override string? CheckoutPaymentId => PaymentIdAtCheckout;
    }

    public sealed record Refunded(string PaymentIdAtCheckout, string CheckoutActionId, Guid? OurRefundId, long Amount)
        : RefundFact(RefundTrigger.RefundReported)
    {
        public override Guid? RefundId => OurRefundId;
        public override string? ActionId => CheckoutActionId;
        public override string? CheckoutPaymentId => PaymentIdAtCheckout;
        public override object? Argument => Amount;
    }

    public sealed record Declined(
        string PaymentIdAtCheckout, string CheckoutActionId, Guid? OurRefundId, string? ResponseCode, string? ResponseSummary)
        : RefundFact(RefundTrigger.DeclineReported)
    {
        public override Guid? RefundId => OurRefundId;
        public override string? ActionId => CheckoutActionId;
        public override string? CheckoutPaymentId => PaymentIdAtCheckout;
    }
}
