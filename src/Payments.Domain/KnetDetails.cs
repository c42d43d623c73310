namespace Payments.Domain;

/// <summary>
/// KNET's own record of a decided payment, every field Checkout.com reports of it in the payment's <c>source</c>
/// (checkout-knet-api.md §2.3): the gateway's ids and result, the inquiry result Checkout.com fills when the
/// customer's return from the page went wrong, the bank's and issuer's codes, and KNET's error code and text. The
/// rest of that <c>source</c> echoes our request (language, user defined fields, card token, PTLF), which
/// <see cref="PaymentRequested"/> already holds. None of it is card data.
/// </summary>
public sealed record KnetDetails(
    string? KnetPaymentId,
    string? KnetResult,
    string? InquiryResult,
    string? BankReference,
    string? KnetTransactionId,
    string? AuthCode,
    string? AuthResponseCode,
    string? PostDate,
    string? Avr,
    string? Error,
    string? ErrorText);
