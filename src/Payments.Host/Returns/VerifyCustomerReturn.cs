using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Marten;
using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.Edge;
using Payments.Host.Payments;
using Payments.Host.Telemetry;
using Wolverine;
using Wolverine.Http;

namespace Payments.Host.Returns;

/// <summary>The body of <c>POST /payments/{id}/return</c>: the <c>cko-session-id</c> the customer came back with.</summary>
public sealed record ReturnRequest : IValidatedRequest
{
    /// <summary><c>sid_</c> and 26 lowercase base32 characters.</summary>
    public string? SessionId { get; init; }

    public static string InvalidTitle => "The return is not valid";

    /// <summary>The edge rule only; the session id's shape has its own code (<c>return_session_invalid</c>).</summary>
    public IReadOnlyList<FieldError> Validate() => EdgeText.Errors([EdgeText.Check("sessionId", SessionId)], []);
}

/// <summary>
/// <c>POST /payments/{id}/return</c> <c>{"sessionId":"sid_…"}</c>: the merchant's site, when the customer comes back
/// from KNET's page, asks Checkout.com at once for the payment behind the session id, checks it is this payment, applies
/// what it says through the machine and answers the payment as it then stands (docs/architecture.md, "Verified return").
/// A later webhook with the same outcome is a duplicate; a webhook that never comes does not matter.
/// 404 unknown payment; 422 <c>return_session_invalid</c> (not a session id), <c>return_session_unknown</c> (Checkout.com
/// knows no such session), <c>return_session_mismatch</c> (another payment's session); Checkout.com unreachable: 200
/// with the payment as we know it.
/// </summary>
public static partial class VerifyCustomerReturn
{
    public const string SessionInvalid = "return_session_invalid";
    public const string SessionUnknown = "return_session_unknown";
    public const string SessionMismatch = "return_session_mismatch";

    [WolverinePost("/payments/{id}/return")]
    public static async Task<IResult> Post(
        string id, HttpRequest request, IDocumentStore store, IMessageBus bus, CheckoutClient checkout, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(bus);
        ArgumentNullException.ThrowIfNull(checkout);
        if (!PaymentIds.TryParse(id, out var paymentId))
        {
            return Problems.NotFound(id);
        }

        SpanTags.Of(request.HttpContext).Tag(SpanTags.PaymentId, paymentId);
        var (body, problem) = await StrictJson.ReadAsync<ReturnRequest>(request, cancellation);
        if (body is null)
        {
            return problem!;
        }

        if (body.SessionId is not { } sessionId || !SessionIdShape().IsMatch(sessionId))
        {
            return Problems.Of(StatusCodes.Status422UnprocessableEntity, SessionInvalid, "Not a Checkout.com session id",
                "sessionId must be the cko-session-id the customer came back with: sid_ and 26 lowercase base32 characters.");
        }

        if (await LoadAsync(store, paymentId, cancellation) is not { } payment)
        {
            return Problems.NotFound(paymentId);
        }

        switch (await checkout.GetPaymentAsync(sessionId, cancellation))
        {
            case CheckoutAnswer<PaymentDetailsResponse>.Refused { Status: StatusCodes.Status404NotFound }:
                return Problems.Of(StatusCodes.Status422UnprocessableEntity, SessionUnknown, "Unknown session",
                    "Checkout.com knows no payment for this session id.");

            case CheckoutAnswer<PaymentDetailsResponse>.Ok { Value: var details } when !IsOf(details, payment):
                return Problems.Of(StatusCodes.Status422UnprocessableEntity, SessionMismatch, "Another payment's session",
                    $"The session id is not one of payment {paymentId}.");

            case CheckoutAnswer<PaymentDetailsResponse>.Ok { Value: var details }:
                var cause = Causes.CustomerReturn(request.HttpContext, paymentId, details.Id);
                await bus.InvokeAsync(new ApplyCustomerReturn(paymentId, details, cause), cancellation);
                payment = await LoadAsync(store, paymentId, cancellation) ?? payment;
                break;

            // No answer, or a refusal that says nothing about the session (our key refused): nothing is learnt, the
            // payment as we know it is the answer; the webhook and the scheduled check still decide it.
        }

        return Results.Ok(PaymentView.Of(payment));
    }

    /// <summary>
    /// Checkout.com's payment for the session is ours and this one: its id is the one Checkout.com gave us, it carries our
    /// payment id in its metadata (sent with the request), and the merchant's reference when there is one.
    /// </summary>
    public static bool IsOf(PaymentDetailsResponse details, Payment payment)
    {
        ArgumentNullException.ThrowIfNull(details);
        ArgumentNullException.ThrowIfNull(payment);
        return payment.CheckoutPaymentId is { } checkoutId
               && string.Equals(details.Id, checkoutId, StringComparison.Ordinal)
               && details.Metadata?[CheckoutClient.PaymentIdMetadataKey] is JsonValue value
               && value.TryGetValue<string>(out var named)
               && string.Equals(named, payment.Id.ToString(), StringComparison.OrdinalIgnoreCase)
               && (payment.Reference is null || string.Equals(details.Reference, payment.Reference, StringComparison.Ordinal));
    }

    private static async Task<Payment?> LoadAsync(IDocumentStore store, Guid paymentId, CancellationToken cancellation)
    {
        await using var query = store.QuerySession();
        return await query.LoadAsync<Payment>(paymentId, cancellation);
    }

    /// <summary>
    /// Checkout.com's spec allows <c>sid_</c> and 26 word characters; every id it documents, and every id the sandbox
    /// makes, is lowercase base32. Anything else never reaches Checkout.com.
    /// </summary>
    [GeneratedRegex("^sid_[a-z2-7]{26}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex SessionIdShape();
}
