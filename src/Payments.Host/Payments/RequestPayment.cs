using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Wolverine;
using Wolverine.Marten;
using Wolverine.Attributes;

namespace Payments.Host.Payments;

/// <summary>Starts a payment's stream with the merchant's intent, before anyone calls Checkout.com.</summary>
public sealed record RequestPayment([property: Audit] Guid PaymentId, KnetPaymentRequest Request, string? Cause = null);

public static class RequestPaymentHandler
{
    /// <summary>
    /// The intent and its first ask-again are written together: if we crash before Checkout.com's answer is applied,
    /// the scheduled <see cref="ResolvePaymentRequest"/> asks again with the same key; once the answer is applied it
    /// finds the payment decided and does nothing. Asked again for a payment that exists (a merchant's retry that
    /// re-runs its request), nothing is written.
    /// </summary>
    public static async Task<(IMartenOp, OutgoingMessages)> Handle(
        RequestPayment command, IDocumentSession session, TimeProvider time, IOptions<PaymentTimings> timings,
        IOptions<Checkout.CheckoutOptions> checkout, ILogger<RequestPayment> logger, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(checkout);
        var outgoing = new OutgoingMessages();
        if (await session.Events.FetchStreamStateAsync(command.PaymentId, cancellation) is not null)
        {
            return (MartenOps.Nothing(), outgoing);
        }

        Causes.Record(session, command.Cause);
        var decision = PaymentDecider.Request(command.PaymentId, command.Request, time.GetUtcNow());
        logger.Decided(command.PaymentId, nameof(RequestPayment), decision.Kind, decision.Reason);
        if (decision.Kind != DecisionKind.Applied)
        {
            return (MartenOps.Nothing(), outgoing);
        }

        outgoing.Delay(new ResolvePaymentRequest(command.PaymentId, 1), FirstAskAgain(timings.Value, checkout.Value));
        return (MartenOps.StartStream<Payment>(command.PaymentId, [.. decision.Events]), outgoing);
    }

    /// <summary>How long Checkout.com keeps a <c>Cko-Idempotency-Key</c> and replays its answer (24 hours).</summary>
    public static readonly TimeSpan CheckoutKeyLifetime = TimeSpan.FromHours(24);

    /// <summary>
    /// Whether asking Checkout.com again, with the payment id as the key, can still tell us what the merchant needs: no
    /// answer applied yet (Requested), or a <c>payment_pending</c> webhook made the payment Pending before the answer
    /// that carries KNET's link was applied (that answer lost in a timeout or a crash). Checkout.com replays that
    /// answer for the same key, and the machine records the link from it; without it the merchant would be answered
    /// 201 Pending with no link and the customer could not pay (docs/architecture.md, "Deterministic simulation", bug
    /// 4). Only while Checkout.com still keeps the key, an hour short of its lifetime: after that the same request
    /// would create a second payment there.
    /// </summary>
    public static bool AwaitsAnswer(Payment payment, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return payment.Status == PaymentStatus.Requested
               || payment is { Status: PaymentStatus.Pending, RedirectUrl: null }
               && now - payment.RequestedAt < CheckoutKeyLifetime - TimeSpan.FromHours(1);
    }

    /// <summary>
    /// When the first ask-again written with an intent fires: after the merchant's own call to Checkout.com has given
    /// up (its total timeout), then the first retry wait — so it never races the call it stands in for.
    /// </summary>
    public static TimeSpan FirstAskAgain(PaymentTimings timings, Checkout.CheckoutOptions checkout)
    {
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(checkout);
        return checkout.TotalTimeout + timings.RequestRetries[0];
    }
}
