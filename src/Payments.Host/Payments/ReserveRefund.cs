using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Wolverine;
using Wolverine.Marten;
using Wolverine.Attributes;

namespace Payments.Host.Payments;

/// <summary>Reserves a refund's amount on the payment's stream before Checkout.com is asked to refund.</summary>
public sealed record ReserveRefund([property: Audit] Guid PaymentId, Guid RefundId, long? Amount, string? Reference, string? Cause = null);

/// <summary>The decision on a reservation, and the refund as it stands afterwards (null when refused).</summary>
public sealed record RefundReservation(Decision Decision, Refund? Refund);

public static class ReserveRefundHandler
{
    /// <summary>
    /// Decided under the stream's row lock (exclusive load): concurrent refunds of one payment queue in PostgreSQL
    /// instead of failing on a version conflict, so no interleaving can spend the balance twice and none has to be
    /// retried by hand (docs/architecture.md, "Refund budget"). The reservation and its first ask-again are written
    /// together; a refund id reserved before (a merchant's retry) changes nothing and answers the refund as it is.
    /// </summary>
    public static (RefundReservation, Events, OutgoingMessages) Handle(
        ReserveRefund command, [WriteAggregate(LoadStyle = ConcurrencyStyle.Exclusive)] Payment payment, IDocumentSession session,
        TimeProvider time, IOptions<PaymentTimings> timings, IOptions<Checkout.CheckoutOptions> checkout, ILogger<ReserveRefund> logger)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(checkout);
        Causes.Record(session, command.Cause);
        var (reservation, events, outgoing) = Decide(command, payment, timings.Value, checkout.Value, time.GetUtcNow());
        logger.Decided(command.PaymentId, nameof(ReserveRefund), reservation.Decision.Kind, reservation.Decision.Reason);
        return (reservation, events, outgoing);
    }

    /// <summary>
    /// The pure part of the handler: the reservation, its events and its first ask-again. The deterministic simulator
    /// (sim/Payments.Simulation, docs/architecture.md "Deterministic simulation") runs this same function.
    /// </summary>
    public static (RefundReservation Reservation, Events Events, OutgoingMessages Outgoing) Decide(
        ReserveRefund command, Payment payment, PaymentTimings timings, Checkout.CheckoutOptions checkout, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        var decision = PaymentDecider.RequestRefund(payment, command.RefundId, command.Amount, command.Reference, now);
        var outgoing = new OutgoingMessages();
        if (decision.Kind == DecisionKind.Applied)
        {
            outgoing.Delay(new ResolveRefund(command.PaymentId, command.RefundId, 1),
                RequestPaymentHandler.FirstAskAgain(timings, checkout));
        }

        var after = payment.After(decision.Events);
        return (new RefundReservation(decision, after.FindRefund(command.RefundId)), [.. decision.Events], outgoing);
    }
}
