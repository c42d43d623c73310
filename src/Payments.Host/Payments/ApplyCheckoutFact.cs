using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Wolverine;
using Wolverine.Marten;
using Wolverine.Attributes;

namespace Payments.Host.Payments;

/// <summary>
/// What Checkout.com answered to one of our payment requests (the first call, or a scheduled ask-again whose number is
/// <paramref name="RequestAttempt"/>; 0 = the merchant's request itself), to apply through the machine.
/// </summary>
public sealed record ApplyPaymentFact([property: Audit] Guid PaymentId, PaymentFact Fact, string? Cause = null, int RequestAttempt = 0);

/// <summary>What Checkout.com answered to one of our refund calls (0 = the merchant's request itself).</summary>
public sealed record ApplyRefundFact([property: Audit] Guid PaymentId, RefundFact Fact, string? Cause = null, int RequestAttempt = 0);

/// <summary>
/// Pure handlers: the payment is fetched for writing under its stream's row lock (every quick writer of a payment takes
/// it first, so writers queue instead of conflicting or deadlocking: docs/architecture.md, "Refund budget"), the
/// decider names the events, and the check that must follow them is scheduled in the same transaction (Wolverine's
/// Marten outbox), so a crash can never keep the events and lose the check (docs/architecture.md, "Follow-up checks
/// and the sweeper").
/// </summary>
public static class ApplyCheckoutFactHandler
{
    public static (Events, OutgoingMessages) Handle(
        ApplyPaymentFact command, [WriteAggregate(LoadStyle = ConcurrencyStyle.Exclusive)] Payment payment, IDocumentSession session, TimeProvider time,
        IOptions<PaymentTimings> timings, ILogger<ApplyPaymentFact> logger)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(timings);
        Causes.Record(session, command.Cause);
        var (decision, events, outgoing) = Decide(command, payment, timings.Value, time.GetUtcNow());
        logger.Decided(command.PaymentId, command.Fact.Trigger, decision.Kind, decision.Reason);
        return (events, outgoing);
    }

    /// <summary>
    /// The pure part of the payment fact's handler: the decision, the events to append and the checks that must follow them. The deterministic simulator
    /// (sim/Payments.Simulation, docs/architecture.md "Deterministic simulation") runs this same function.
    /// </summary>
    public static (Decision Decision, Events Events, OutgoingMessages Outgoing) Decide(
        ApplyPaymentFact command, Payment payment, PaymentTimings timings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(timings);
        var decision = PaymentDecider.Decide(payment, command.Fact, now);
        var events = new Events(decision.Events);
        var after = payment.After(decision.Events);
        var outgoing = new OutgoingMessages();
        switch (command.Fact)
        {
            // Accepted: ask about the outcome once KNET's page can no longer be open, whatever the webhooks do meanwhile.
            // A webhook that made the payment Pending first has scheduled that check already (ChecksAfter).
            case PaymentFact.Accepted when payment.Status == PaymentStatus.Requested && ReconcilePaymentHandler.Undecided(after):
                outgoing.Delay(new ReconcilePayment(payment.Id, 1), timings.OutcomeCheckAfter);
                break;

            // The merchant's own request already has its first ask-again, scheduled with the intent (RequestPayment).
            case PaymentFact.NoAnswer when after.Status == PaymentStatus.Requested && command.RequestAttempt > 0:
                // Attempt n came after n waits: the first one and n - 1 of ours.
                if (PaymentTimings.WaitAfter(timings.RequestRetries, command.RequestAttempt) is { } wait)
                {
                    outgoing.Delay(new ResolvePaymentRequest(payment.Id, command.RequestAttempt + 1), wait);
                }
                else
                {
                    events.AddRange(PaymentDecider.FlagForReview(after,
                        $"Checkout.com did not answer the payment request after {command.RequestAttempt + 1} attempts", now).Events);
                }

                break;
        }

        return (decision, events, outgoing);
    }

    public static (Events, OutgoingMessages) Handle(
        ApplyRefundFact command, [WriteAggregate(LoadStyle = ConcurrencyStyle.Exclusive)] Payment payment, IDocumentSession session, TimeProvider time,
        IOptions<PaymentTimings> timings, ILogger<ApplyRefundFact> logger)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(timings);
        Causes.Record(session, command.Cause);
        var (decision, events, outgoing) = Decide(command, payment, timings.Value, time.GetUtcNow());
        logger.Decided(command.PaymentId, command.Fact.Trigger, decision.Kind, decision.Reason);
        return (events, outgoing);
    }

    /// <summary>The pure part of the refund fact's handler, as for a payment fact: run by the simulator too.</summary>
    public static (Decision Decision, Events Events, OutgoingMessages Outgoing) Decide(
        ApplyRefundFact command, Payment payment, PaymentTimings timings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(timings);
        var decision = PaymentDecider.Decide(payment, command.Fact, now);
        var events = new Events(decision.Events);
        var refund = payment.After(decision.Events).FindRefund(command.Fact.RefundId ?? Guid.Empty);
        var outgoing = new OutgoingMessages();
        switch (command.Fact)
        {
            // Likewise: unless a webhook made the refund Pending first and scheduled its check.
            case RefundFact.Accepted when refund is { Status: RefundStatus.Pending }
                                          && payment.FindRefund(refund.Id) is { Status: RefundStatus.Requested }:
                outgoing.Delay(new ReconcileRefund(payment.Id, refund.Id, 1), timings.RefundCheckAfter);
                break;

            case RefundFact.NoAnswer when refund is { Status: RefundStatus.Requested } && command.RequestAttempt > 0:
                if (PaymentTimings.WaitAfter(timings.RequestRetries, command.RequestAttempt) is { } wait)
                {
                    outgoing.Delay(new ResolveRefund(payment.Id, refund.Id, command.RequestAttempt + 1), wait);
                }
                else
                {
                    events.AddRange(PaymentDecider.FlagForReview(payment,
                        $"Checkout.com did not answer refund {refund.Id} after {command.RequestAttempt + 1} attempts", now, refund.Id).Events);
                }

                break;
        }

        return (decision, events, outgoing);
    }
}
