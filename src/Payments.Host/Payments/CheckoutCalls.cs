using Payments.Domain;
using Payments.Host.Checkout;

namespace Payments.Host.Payments;

/// <summary>Checkout.com's answers, turned into the facts the decisions take.</summary>
public static class CheckoutCalls
{
    public static async Task<PaymentFact> RequestPaymentAsync(
        CheckoutClient checkout, Guid paymentId, KnetPaymentRequest request, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(checkout);
        return await checkout.RequestPaymentAsync(paymentId, request, cancellation) switch
        {
            CheckoutAnswer<PaymentAcceptedResponse>.Ok ok =>
                new PaymentFact.Accepted(ok.Value.Id, ok.Value.Links?.Redirect?.Href ?? ""),
            CheckoutAnswer<PaymentAcceptedResponse>.Refused no =>
                new PaymentFact.Rejected(no.Status, no.ErrorType, no.ErrorCodes, no.RequestId),
            CheckoutAnswer<PaymentAcceptedResponse>.Unavailable unknown => new PaymentFact.NoAnswer(unknown.Reason),
            var other => throw new InvalidOperationException($"Unexpected answer {other}"),
        };
    }

    public static async Task<RefundFact> RefundAsync(
        CheckoutClient checkout, Payment payment, Refund refund, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(checkout);
        ArgumentNullException.ThrowIfNull(payment);
        ArgumentNullException.ThrowIfNull(refund);
        return await checkout.RefundAsync(payment.CheckoutPaymentId!, payment.Id, refund.Id, refund.Amount, refund.Reference, cancellation) switch
        {
            CheckoutAnswer<RefundAcceptedResponse>.Ok ok => new RefundFact.Accepted(refund.Id, ok.Value.ActionId),
            CheckoutAnswer<RefundAcceptedResponse>.Refused no => new RefundFact.Refused(refund.Id, no.Status, no.ErrorCodes),
            CheckoutAnswer<RefundAcceptedResponse>.Unavailable unknown => new RefundFact.NoAnswer(refund.Id, unknown.Reason),
            var other => throw new InvalidOperationException($"Unexpected answer {other}"),
        };
    }
}
