namespace Payments.Domain;

/// <summary>
/// KNET's own fields for a decided payment, as Checkout.com reports them in the payment's <c>source</c>
/// (checkout-knet-api.md §2.3). None of them is card data.
/// </summary>
public sealed record KnetDetails(
    string? KnetPaymentId,
    string? KnetResult,
    string? BankReference,
    string? KnetTransactionId,
    string? AuthCode,
    string? AuthResponseCode,
    string? PostDate,
    string? Avr,
    string? Error,
    string? ErrorText);
