using Marten;
using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.Edge;
using Payments.Host.Telemetry;
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
/// 201 Pending with the redirect link, 422 when Checkout.com refused, 202 while the link is not known (Checkout.com did
/// not answer: a durable scheduled message asks again with the same key, so a second charge is impossible).
/// </summary>
public static class RequestPaymentEndpoint
{
    public const string IdempotencyScope = "POST /payments";

    [WolverinePost("/payments")]
    public static async Task<IResult> Post(
        HttpRequest request, IDocumentStore store, IMessageBus bus, CheckoutClient checkout, TimeProvider time, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(bus);
        var (body, problem) = await StrictJson.ReadAsync<CreatePaymentRequest>(request, cancellation);
        if (body is null)
        {
            return problem!;
        }

        var payment = body.ToKnetRequest();

        var cause = Causes.Request(request.HttpContext, "POST /payments");
        var span = SpanTags.Of(request.HttpContext);
        return await MerchantIdempotency.RunAsync(request.HttpContext, IdempotencyScope, MerchantIdempotency.Hash(payment),
            Guid.CreateVersion7(), async (id, ct) =>
            {
                span.Tag(SpanTags.PaymentId, id);
                // Each step is idempotent by the payment id, so a retry that runs this again after a failure is safe.
                await bus.InvokeAsync(new RequestPayment(id, payment, cause), ct);
                await using (var query = store.QuerySession())
                {
                    // Asked while Checkout.com's answer is missing: also on a retry after a webhook made the payment
                    // Pending without the answer that carries KNET's link.
                    if (await query.LoadAsync<Payment>(id, ct) is { } stored && RequestPaymentHandler.AwaitsAnswer(stored, time.GetUtcNow()))
                    {
                        var fact = await CheckoutCalls.RequestPaymentAsync(checkout, id, payment, ct);
                        await bus.InvokeAsync(new ApplyPaymentFact(id, fact, cause), ct);
                    }
                }

                await using var after = store.QuerySession();
                var state = await after.LoadAsync<Payment>(id, ct) ?? throw new InvalidOperationException($"Payment {id} was not stored.");
                span.Tag(SpanTags.CheckoutPaymentId, state.CheckoutPaymentId);
                return Answer(state);
            }, cancellation);
    }

    /// <summary>
    /// The answer's status code: 422 refused; 202 while KNET's link is not known (no answer from Checkout.com yet, or a
    /// webhook said Pending before the answer that carries the link: the payment is asked about again with the same key,
    /// and <c>GET /payments/{id}</c> shows <c>redirectUrl</c> once it is recorded); otherwise 201, which in Pending
    /// always carries the link. The simulator answers its merchants with this too.
    /// </summary>
    public static int StatusCodeOf(Payment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return payment switch
        {
            { Status: PaymentStatus.Rejected } => StatusCodes.Status422UnprocessableEntity,
            { Status: PaymentStatus.Requested } or { Status: PaymentStatus.Pending, RedirectUrl: null } => StatusCodes.Status202Accepted,
            _ => StatusCodes.Status201Created,
        };
    }

    private static IdempotentAnswer Answer(Payment payment) => StatusCodeOf(payment) switch
    {
        StatusCodes.Status422UnprocessableEntity => new IdempotentAnswer(StatusCodes.Status422UnprocessableEntity, new
        {
            type = "https://tools.ietf.org/html/rfc9110#section-15.5.21",
            title = "Checkout.com refused the payment",
            status = 422,
            detail = $"Checkout.com answered {string.Join(", ", payment.CheckoutErrorCodes)}.",
            code = "payment_rejected",
            checkoutErrorCodes = payment.CheckoutErrorCodes,
        }),
        var status => new IdempotentAnswer(status, Created(payment), $"/payments/{payment.Id}"),
    };

    private static CreatedPayment Created(Payment p) =>
        new(p.Id, p.Status.ToString(), p.RedirectUrl, p.CheckoutPaymentId, p.Amount, p.Currency, p.Reference, p.Version);
}
