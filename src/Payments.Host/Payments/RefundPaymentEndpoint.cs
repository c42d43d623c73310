using Marten;
using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.Edge;
using Wolverine;
using Wolverine.Http;
using Payments.Host.Telemetry;

namespace Payments.Host.Payments;

public sealed record RefundAnswer(Guid RefundId, string Status, long Amount);

/// <summary>
/// <c>POST /payments/{id}/refunds</c> <c>{amount?, reference?}</c>: the refund's amount is reserved with
/// <c>RefundRequested</c> on the payment's stream (docs/architecture.md, "Refund budget") before
/// Checkout.com is asked, with the refund id as its idempotency key; 202 with the refund's state. <c>{}</c> = the
/// whole refundable balance. 404 unknown payment, 409 <c>payment_not_refundable</c>, 422 <c>refund_amount_invalid</c>.
/// </summary>
public static class RefundPaymentEndpoint
{
    [WolverinePost("/payments/{id}/refunds")]
    public static async Task<IResult> Post(
        string id, HttpRequest request, IDocumentStore store, IMessageBus bus, CheckoutClient checkout, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(bus);
        if (!PaymentIds.TryParse(id, out var paymentId))
        {
            return Problems.NotFound(id);
        }

        SpanTags.Of(request.HttpContext).Tag(SpanTags.PaymentId, paymentId);
        var (body, problem) = await StrictJson.ReadAsync<RefundRequest>(request, cancellation);
        if (body is null)
        {
            return problem!;
        }

        await using (var query = store.QuerySession())
        {
            if (await query.Events.FetchStreamStateAsync(paymentId, cancellation) is null)
            {
                return Problems.NotFound(paymentId);
            }
        }

        var outcome = await RefundOnceAsync(request.HttpContext, paymentId, body, request.Headers[MerchantIdempotency.Header].ToString(),
            causeRoute: IdempotencyScope(paymentId), store, bus, checkout, cancellation);
        return outcome.Result;
    }

    /// <summary>The route an Idempotency-Key of a refund is scoped to, whichever door the refund came through.</summary>
    public static string IdempotencyScope(Guid paymentId) => $"POST /payments/{paymentId}/refunds";

    /// <summary>
    /// The refund of a known payment for a request already read and validated, once per <paramref name="idempotencyKey"/>
    /// of the signed-in key (scoped to this route, so the API and the operator console share keys); the events' cause
    /// names <paramref name="causeRoute"/> and the key's name. The operator console's refund form calls this.
    /// </summary>
    public static Task<IdempotentOutcome> RefundOnceAsync(
        HttpContext context, Guid paymentId, RefundRequest body, string? idempotencyKey, string causeRoute,
        IDocumentStore store, IMessageBus bus, CheckoutClient checkout, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(bus);
        var cause = Causes.Request(context, causeRoute);
        return MerchantIdempotency.RunAsync(context, idempotencyKey, IdempotencyScope(paymentId),
            MerchantIdempotency.Hash(new { body.Amount, body.Reference }), Guid.CreateVersion7(), async (refundId, ct) =>
            {
                // Reserving an id reserved before changes nothing, and Checkout.com is asked with the refund id as its
                // key: a retry that runs this again after a failure ends with the one refund there is.
                var reservation = await bus.InvokeAsync<RefundReservation>(
                    new ReserveRefund(paymentId, refundId, body.Amount, body.Reference, cause), ct);
                if (reservation.Refund is not { } refund)
                {
                    var decision = reservation.Decision;
                    return IdempotentAnswer.Problem(
                        decision.Code == PaymentDecider.PaymentNotRefundable ? StatusCodes.Status409Conflict : StatusCodes.Status422UnprocessableEntity,
                        decision.Code!, "The refund is not possible", decision.Reason);
                }

                if (refund.Status == RefundStatus.Requested)
                {
                    await using var query = store.QuerySession();
                    var payment = await query.LoadAsync<Payment>(paymentId, ct);
                    var fact = await CheckoutCalls.RefundAsync(checkout, payment!, refund, ct);
                    await bus.InvokeAsync(new ApplyRefundFact(paymentId, fact, cause), ct);
                }

                await using var after = store.QuerySession();
                var now = (await after.LoadAsync<Payment>(paymentId, ct))!.FindRefund(refundId)!;
                return new IdempotentAnswer(StatusCodes.Status202Accepted, new RefundAnswer(refundId, now.Status.ToString(), now.Amount),
                    $"/payments/{paymentId}");
            }, cancellation);
    }
}
