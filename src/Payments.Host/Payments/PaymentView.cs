using Payments.Domain;

namespace Payments.Host.Payments;

public sealed record RefundView(Guid Id, long Amount, string Status, string? Reference, string? ActionId);

public sealed record StatusChangeView(string Status, DateTimeOffset At);

public sealed record ReviewFlagView(string Reason, string StatusAtFlag, DateTimeOffset At);

/// <summary>KNET's record of the payment, every field of <see cref="KnetDetails"/> (no card data).</summary>
public sealed record KnetView(
    string? PaymentId, string? Result, string? InquiryResult, string? BankReference, string? TransactionId, string? AuthCode,
    string? AuthResponseCode, string? PostDate, string? Avr, string? Error, string? ErrorText);

/// <summary>The merchant's view of a payment: amounts in fils, statuses as names.</summary>
public sealed record PaymentView(
    Guid Id, string Status, long Amount, string Currency, string? Reference, string? CheckoutPaymentId,
    string? RedirectUrl, long CapturedAmount, long RefundedAmount, long RefundableAmount, IReadOnlyList<RefundView> Refunds,
    KnetView? Knet, bool NeedsReview, IReadOnlyList<ReviewFlagView> ReviewFlags, IReadOnlyList<StatusChangeView> StatusChanges,
    long InFlightRefundAmount, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, long Version)
{
    public static PaymentView Of(Payment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return new PaymentView(
            payment.Id, payment.Status.ToString(), payment.Amount, payment.Currency, payment.Reference,
            payment.CheckoutPaymentId, payment.RedirectUrl, payment.CapturedAmount, payment.RefundedAmount,
            payment.RefundableAmount,
            [.. payment.Refunds.Select(r => new RefundView(r.Id, r.Amount, r.Status.ToString(), r.Reference, r.ActionId))],
            payment.Knet is { } k
                ? new KnetView(k.KnetPaymentId, k.KnetResult, k.InquiryResult, k.BankReference, k.KnetTransactionId, k.AuthCode,
                    k.AuthResponseCode, k.PostDate, k.Avr, k.Error, k.ErrorText)
                : null,
            payment.NeedsReview,
            [.. payment.ReviewFlags.Select(f => new ReviewFlagView(f.Reason, f.StatusAtFlag.ToString(), f.At))],
            [.. payment.StatusChanges.Select(c => new StatusChangeView(c.Status.ToString(), c.At))],
            payment.InFlightRefundAmount, payment.RequestedAt, payment.UpdatedAt, payment.Version);
    }
}
