using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Edge;
using Payments.Host.FollowUps;
using Payments.Host.Payments;
using Wolverine.Http;
using Wolverine.Marten;

namespace Payments.Host.Operations;

/// <summary>The checks an operator's "check now" sent: one per undecided part of the payment, by message type.</summary>
public sealed record CheckAnswer(Guid PaymentId, IReadOnlyList<string> Checks);

/// <summary>
/// An operator asks Checkout.com about an undecided payment now instead of waiting for its next scheduled check:
/// the same follow-up message the schedule and the sweeper use, as a one-off (attempt 0) whose events carry the
/// operator's request as their cause (docs/architecture.md, "Follow-up checks and the sweeper").
/// </summary>
public static class CheckPayment
{
    /// <summary>
    /// <c>POST /operations/payments/{id}/check {reason}</c>: 202 with the checks sent; 404 <c>payment_not_found</c>; 422 reason; 409
    /// <c>payment_not_undecided</c> when neither the payment nor any refund of it waits for Checkout.com.
    /// </summary>
    [WolverinePost("/operations/payments/{id}/check")]
    public static async Task<IResult> Post(
        string id, HttpContext context, IDocumentStore store, IMartenOutbox outbox, IOptions<PaymentTimings> timings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(timings);
        if (!PaymentIds.TryParse(id, out var paymentId))
        {
            return Problems.NotFound(id);
        }

        var (body, problem) = await StrictJson.ReadAsync<OperatorReason>(context.Request, cancellation);
        if (body is null)
        {
            return problem!;
        }

        var cause = Causes.Operator(context, $"POST /operations/payments/{paymentId}/check", body.Reason!);
        var checks = await SendAsync(paymentId, cause, store, outbox, timings.Value, cancellation);
        return checks switch
        {
            null => Problems.NotFound(paymentId),
            [] => NothingUndecided(paymentId),
            _ => Results.Accepted($"/payments/{paymentId}", new CheckAnswer(paymentId, [.. checks.Select(c => c.Message.GetType().Name)])),
        };
    }

    public static IResult NothingUndecided(Guid paymentId) => Problems.Of(StatusCodes.Status409Conflict, "payment_not_undecided",
        "Nothing of this payment waits for Checkout.com", $"Payment {paymentId} and its refunds are decided.");

    /// <summary>
    /// Sends the one-off check of each undecided part of the payment through the outbox, at once: the checks sent
    /// (none when all is decided), or null when there is no such payment.
    /// </summary>
    public static async Task<IReadOnlyList<FollowUpCheck>?> SendAsync(
        Guid paymentId, string cause, IDocumentStore store, IMartenOutbox outbox, PaymentTimings timings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(outbox);
        await using var session = store.LightweightSession();
        outbox.Enroll(session);
        if (await session.LoadAsync<Payment>(paymentId, cancellation) is not { } payment)
        {
            return null;
        }

        // A flagged payment is asked too: the flag hands it to an operator, and this is the operator asking.
        var checks = FollowUpCheck.Undecided(payment, timings).ToList();
        foreach (var check in checks)
        {
            await outbox.SendAsync(check.AskNow(cause));
        }

        await session.SaveChangesAsync(cancellation);
        return checks;
    }
}
