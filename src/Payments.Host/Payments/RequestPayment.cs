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
