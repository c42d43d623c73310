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
/// 201 Pending with the redirect link, 422 when Checkout.com refused, 202 Requested when it did not answer (a durable
/// scheduled message asks again with the same key, so a second charge is impossible).
/// </summary>
public static class RequestPaymentEndpoint
{
    public const string IdempotencyScope = "POST /payments";

    [WolverinePost("/payments")]
    public static async Task<IResult> Post(
        HttpRequest request, IDocumentStore store, IMessageBus bus, CheckoutClient checkout, CancellationToken cancellation)
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
                    if (await query.LoadAsync<Payment>(id, ct) is { Status: PaymentStatus.Requested })
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

    private static IdempotentAnswer Answer(Payment payment) => payment.Status switch
    {
        PaymentStatus.Rejected => new IdempotentAnswer(StatusCodes.Status422UnprocessableEntity, new
        {
            type = "https://tools.ietf.org/html/rfc9110#section-15.5.21",
            title = "Checkout.com refused the payment",
            status = 422,
            detail = $"Checkout.com answered {string.Join(", ", payment.CheckoutErrorCodes)}.",
            code = "payment_rejected",
            checkoutErrorCodes = payment.CheckoutErrorCodes,
        }),
        PaymentStatus.Requested => new IdempotentAnswer(StatusCodes.Status202Accepted, Created(payment), $"/payments/{payment.Id}"),
        _ => new IdempotentAnswer(StatusCodes.Status201Created, Created(payment), $"/payments/{payment.Id}"),
    };

    private static CreatedPayment Created(Payment p) =>
        new(p.Id, p.Status.ToString(), p.RedirectUrl, p.CheckoutPaymentId, p.Amount, p.Currency, p.Reference, p.Version);
}
