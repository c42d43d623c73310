using Marten;
using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.Edge;
using Wolverine;
using Wolverine.Http;

namespace Payments.Host.Payments;

/// <summary>The answer to <c>POST /payments</c> when Checkout.com has created the payment.</summary>
public sealed record CreatedPayment(
    Guid Id, string Status, string? RedirectUrl, string? CheckoutPaymentId, long Amount, string Currency, string? Reference,
    long Version);

/// <summary>
/// <c>POST /payments</c>: validate, claim the Idempotency-Key, record the intent (<c>PaymentRequested</c>), ask
/// Checkout.com with the payment id as its idempotency key, apply its answer, and say where the payment stands:
/// 201 Pending with the redirect link, 422 when Checkout.com refused, 202 Requested when it did not answer (a durable
/// scheduled message asks again with the same key, so a second charge is impossible).
/// </summary>
public static class RequestPaymentEndpoint
{
    public const string IdempotencyScope = "POST /payments";

    [WolverinePost("/payments")]
    public static async Task<IResult> Post(
        HttpRequest request, IDocumentStore store, IMessageBus bus, CheckoutClient checkout, TimeProvider time,
        Microsoft.Extensions.Options.IOptions<PaymentTimings> timings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(bus);
        var (body, problem) = await StrictJson.ReadAsync<CreatePaymentRequest>(request, cancellation);
        if (body is null)
        {
            return problem!;
        }

        var payment = body.ToKnetRequest();
        var key = request.Headers[MerchantIdempotency.Header].ToString();
        var claim = await MerchantIdempotency.ClaimAsync(store, IdempotencyScope, key, MerchantIdempotency.Hash(payment),
            Guid.CreateVersion7(), time, cancellation);
        if (claim is not IdempotencyClaim.Fresh { ResourceId: var id })
        {
            return claim is IdempotencyClaim.Replay replay ? replay.Answer : ((IdempotencyClaim.Refused)claim).Answer;
        }

        var cause = Causes.Request(request.HttpContext, "POST /payments");
        await bus.InvokeAsync(new RequestPayment(id, payment, cause), cancellation);
        var fact = await CheckoutCalls.RequestPaymentAsync(checkout, id, payment, cancellation);
        await bus.InvokeAsync(new ApplyPaymentFact(id, fact, cause), cancellation);
        await CheckoutCalls.ScheduleFollowUpAsync(bus, id, fact, timings.Value);

        await using var query = store.QuerySession();
        var state = await query.LoadAsync<Payment>(id, cancellation)
            ?? throw new InvalidOperationException($"Payment {id} was not stored.");
        var (status, answer) = Answer(state);
        var location = $"/payments/{id}";
        await MerchantIdempotency.RecordAsync(store, IdempotencyScope, key, status, answer, location, cancellation);
        // Written from the same object that was stored, so a replay is this answer exactly.
        return status switch
        {
            StatusCodes.Status201Created => Results.Created(location, answer),
            StatusCodes.Status202Accepted => Results.Accepted(location, answer),
            _ => Results.Json(answer, statusCode: status, contentType: "application/problem+json"),
        };
    }

    private static (int Status, object Answer) Answer(Payment payment) => payment.Status switch
    {
        PaymentStatus.Rejected => (StatusCodes.Status422UnprocessableEntity, new
        {
            type = "https://tools.ietf.org/html/rfc9110#section-15.5.21",
            title = "Checkout.com refused the payment",
            status = 422,
            detail = $"Checkout.com answered {string.Join(", ", payment.CheckoutErrorCodes)}.",
            code = "payment_rejected",
            checkoutErrorCodes = payment.CheckoutErrorCodes,
        }),
        PaymentStatus.Requested => (StatusCodes.Status202Accepted, Created(payment)),
        _ => (StatusCodes.Status201Created, Created(payment)),
    };

    private static CreatedPayment Created(Payment p) =>
        new(p.Id, p.Status.ToString(), p.RedirectUrl, p.CheckoutPaymentId, p.Amount, p.Currency, p.Reference, p.Version);
}
