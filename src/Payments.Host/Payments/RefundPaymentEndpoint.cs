using JasperFx;
using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.Edge;
using Wolverine;
using Wolverine.Http;

namespace Payments.Host.Payments;

public sealed record RefundAnswer(Guid RefundId, string Status, long Amount);

/// <summary>
/// <c>POST /payments/{id}/refunds</c> <c>{amount?, reference?}</c>: the refund's amount is reserved with
/// <c>RefundRequested</c> on the payment's stream under optimistic concurrency (design decision 4) before
/// Checkout.com is asked, with the refund id as its idempotency key; 202 with the refund's state. <c>{}</c> = the
/// whole refundable balance. 404 unknown payment, 409 <c>payment_not_refundable</c>, 422 <c>refund_amount_invalid</c>.
/// </summary>
public static class RefundPaymentEndpoint
{
    private const int ConflictRetries = 10;

    [WolverinePost("/payments/{id}/refunds")]
    public static async Task<IResult> Post(
        string id, HttpRequest request, IDocumentStore store, IMessageBus bus, CheckoutClient checkout, TimeProvider time,
        IOptions<PaymentTimings> timings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(bus);
        if (!PaymentIds.TryParse(id, out var paymentId))
        {
            return Problems.NotFound(id);
        }

        var (body, problem) = await StrictJson.ReadAsync<RefundRequest>(request, cancellation);
        if (body is null)
        {
            return problem!;
        }

        var scope = $"POST /payments/{paymentId}/refunds";
        var key = request.Headers[MerchantIdempotency.Header].ToString();
        var claim = await MerchantIdempotency.ClaimAsync(store, scope, key, MerchantIdempotency.Hash(new { body.Amount, body.Reference }),
            Guid.CreateVersion7(), time, cancellation);
        if (claim is not IdempotencyClaim.Fresh { ResourceId: var refundId })
        {
            return claim is IdempotencyClaim.Replay replay ? replay.Answer : ((IdempotencyClaim.Refused)claim).Answer;
        }

        var cause = Causes.Request(request.HttpContext, $"POST /payments/{paymentId}/refunds");
        var (payment, refusal) = await ReserveAsync(store, paymentId, refundId, body.Amount, body.Reference, cause, time, cancellation);
        if (refusal is not null)
        {
            return refusal;
        }

        var refund = payment!.FindRefund(refundId)!;
        var fact = await CheckoutCalls.RefundAsync(checkout, payment, refund, cancellation);
        await bus.InvokeAsync(new ApplyRefundFact(paymentId, fact, cause), cancellation);
        await CheckoutCalls.ScheduleFollowUpAsync(bus, paymentId, refundId, fact, timings.Value);

        await using var query = store.QuerySession();
        var after = (await query.LoadAsync<Payment>(paymentId, cancellation))!.FindRefund(refundId)!;
        var answer = new RefundAnswer(refundId, after.Status.ToString(), after.Amount);
        await MerchantIdempotency.RecordAsync(store, scope, key, StatusCodes.Status202Accepted, answer, null, cancellation);
        return Results.Accepted($"/payments/{paymentId}", answer);
    }

    /// <summary>Decides on the current state and appends; a concurrent writer makes it decide again on the new state.</summary>
    private static async Task<(Payment? Payment, IResult? Refusal)> ReserveAsync(
        IDocumentStore store, Guid paymentId, Guid refundId, long? amount, string? reference, string cause, TimeProvider time,
        CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var session = store.LightweightSession();
            Causes.Record(session, cause);
            var stream = await session.Events.FetchForWriting<Payment>(paymentId, cancellation);
            if (stream.Aggregate is not { } payment)
            {
                return (null, Problems.NotFound(paymentId));
            }

            var decision = PaymentDecider.RequestRefund(payment, refundId, amount, reference, time.GetUtcNow());
            if (decision.Kind == DecisionKind.Refused)
            {
                var status = decision.Code == PaymentDecider.PaymentNotRefundable
                    ? StatusCodes.Status409Conflict : StatusCodes.Status422UnprocessableEntity;
                return (null, Problems.Of(status, decision.Code!, "The refund is not possible", decision.Reason));
            }

            stream.AppendMany(decision.Events);
            try
            {
                await session.SaveChangesAsync(cancellation);
                return (decision.Events.Aggregate(payment, (state, e) => Payment.Evolve(state, e)), null);
            }
            catch (ConcurrencyException) when (attempt < ConflictRetries)
            {
                // Another writer got there first: decide again on what it wrote.
            }
        }
    }
}
