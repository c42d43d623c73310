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
}
