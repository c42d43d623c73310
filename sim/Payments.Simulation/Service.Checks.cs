using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.Payments;
using Wolverine;

namespace Payments.Simulation;

/// <summary>The scheduled checks, as the host's handlers run them.</summary>
internal sealed partial class Service
{
    // ---- the scheduled checks ----------------------------------------------------------------------------------------

    /// <summary><c>ResolvePaymentRequestHandler</c>, then <c>ApplyPaymentFact</c> inline in its own transaction.</summary>
    private void ResolvePaymentRequest(Envelope envelope, ResolvePaymentRequest message)
    {
        var run = envelope.Run;
        var payment = Store.Load(message.PaymentId);
        if (payment is null || !RequestPaymentHandler.AwaitsAnswer(payment, Scheduler.Now) || payment.ChecksCanceled && message.Attempt > 0)
        {
            Done(envelope);
            return;
        }

        if (Crashes(run, "before asking Checkout.com again"))
        {
            Redeliver(envelope);
            return;
        }

        var (answer, after) = sim.Acquirer.RequestPayment(run, payment.Id, payment.Request);
        Scheduler.After(after, () =>
        {
            if (Crashes(run, "after Checkout.com answered the ask-again"))
            {
                Redeliver(envelope);
                return;
            }

            Apply(run, new ApplyPaymentFact(payment.Id, PaymentFactOf(answer),
                message.Cause ?? Causes.Scheduled(nameof(Payments.Host.Payments.ResolvePaymentRequest), message.Attempt), message.Attempt));
            Finish(envelope, "after the ask-again's answer was applied");
        });
    }

    /// <summary><c>ResolveRefundHandler</c>, then <c>ApplyRefundFact</c> inline in its own transaction.</summary>
    private void ResolveRefund(Envelope envelope, ResolveRefund message)
    {
        var run = envelope.Run;
        var payment = Store.Load(message.PaymentId);
        if (payment?.FindRefund(message.RefundId) is not { Status: RefundStatus.Requested } refund
            || payment.ChecksCanceled && message.Attempt > 0)
        {
            Done(envelope);
            return;
        }

        if (Crashes(run, "before asking Checkout.com again about the refund"))
        {
            Redeliver(envelope);
            return;
        }

        var (answer, after) = sim.Acquirer.Refund(run, payment.CheckoutPaymentId!, refund.Id, refund.Amount);
        Scheduler.After(after, () =>
        {
            if (Crashes(run, "after Checkout.com answered the refund's ask-again"))
            {
                Redeliver(envelope);
                return;
            }

            Apply(run, new ApplyRefundFact(payment.Id, RefundFactOf(refund.Id, answer),
                message.Cause ?? Causes.Scheduled(nameof(Payments.Host.Payments.ResolveRefund), message.Attempt), message.Attempt));
            Finish(envelope, "after the refund ask-again's answer was applied");
        });
    }

    /// <summary>
    /// <c>ReconcilePaymentHandler</c>: an optimistic writer. It reads the stream, calls Checkout.com, decides on what it
    /// read and appends with the version it read; a writer in between makes it conflict and run again.
    /// </summary>
    private void ReconcilePayment(Envelope envelope, ReconcilePayment message)
    {
        var run = envelope.Run;
        var payment = Store.Load(message.PaymentId);
        var version = Store.VersionOf(message.PaymentId);
        if (payment?.CheckoutPaymentId is not { } checkoutId
            || !ReconcilePaymentHandler.Undecided(payment) && payment.Knet is not null
            || payment.ChecksCanceled && message.Attempt > 0)
        {
            Done(envelope);
            return;
        }

        if (Crashes(run, "before reading the payment"))
        {
            Redeliver(envelope);
            return;
        }

        var cause = message.Cause ?? (message.Attempt == 0
            ? Causes.CheckoutRead(checkoutId)
            : Causes.Scheduled(nameof(Payments.Host.Payments.ReconcilePayment), message.Attempt));
        var (answer, after) = sim.Acquirer.GetPayment(run, checkoutId);
        Scheduler.After(after, () => Guarded(envelope, () =>
        {
            if (Crashes(run, "after reading the payment"))
            {
                Redeliver(envelope);
                return;
            }

            var now = Scheduler.Now;
            var stream = new PendingStream(payment.Id, payment, version);
            var outgoing = new OutgoingMessages();
            var read = answer is CheckoutAnswer<PaymentDetailsResponse>.Ok { Value: var details }
                ? ReconcilePaymentHandler.Apply(stream, payment, details, now)
                : payment;
            if (!ReconcilePaymentHandler.Undecided(read))
            {
                ReconcilePaymentHandler.AskAgainForKnetDetails(stream, read, 0, sim.Timings, now, outgoing);
            }
            else if (message.Attempt > 0)
            {
                if (PaymentTimings.WaitAfter(sim.Timings.OutcomeRetries, message.Attempt - 1) is { } wait)
                {
                    outgoing.Delay(message with { Attempt = message.Attempt + 1 }, wait);
                }
                else
                {
                    stream.AppendMany(PaymentDecider.FlagForReview(read,
                        $"still undecided at Checkout.com after {message.Attempt} checks", now).Events);
                }
            }

            Commit(run, version, stream.Appended.Cast<IPaymentEvent>(), cause, outgoing);
            Finish(envelope, "after the read was committed");
        }));
    }

    /// <summary><c>ReadKnetDetailsHandler</c>: optimistic, like <see cref="ReconcilePayment"/>.</summary>
    private void ReadKnetDetails(Envelope envelope, ReadKnetDetails message)
    {
        var run = envelope.Run;
        var payment = Store.Load(message.PaymentId);
        var version = Store.VersionOf(message.PaymentId);
        if (payment is not { CheckoutPaymentId: { } checkoutId, Knet: null } || ReconcilePaymentHandler.Undecided(payment))
        {
            Done(envelope);
            return;
        }

        if (Crashes(run, "before reading KNET's record"))
        {
            Redeliver(envelope);
            return;
        }

        var (answer, after) = sim.Acquirer.GetPayment(run, checkoutId);
        Scheduler.After(after, () => Guarded(envelope, () =>
        {
            if (Crashes(run, "after reading KNET's record"))
            {
                Redeliver(envelope);
                return;
            }

            var now = Scheduler.Now;
            var stream = new PendingStream(payment.Id, payment, version);
            var outgoing = new OutgoingMessages();
            var read = answer is CheckoutAnswer<PaymentDetailsResponse>.Ok { Value: var details }
                ? ReconcilePaymentHandler.Apply(stream, payment, details, now)
                : payment;
            ReconcilePaymentHandler.AskAgainForKnetDetails(stream, read, message.Attempt, sim.Timings, now, outgoing);
            Commit(run, version, stream.Appended.Cast<IPaymentEvent>(),
                Causes.Scheduled(nameof(Payments.Host.Payments.ReadKnetDetails), message.Attempt), outgoing);
            Finish(envelope, "after KNET's record was committed");
        }));
    }

    /// <summary><c>ReconcileRefundHandler</c>: optimistic, like <see cref="ReconcilePayment"/>.</summary>
    private void ReconcileRefund(Envelope envelope, ReconcileRefund message)
    {
        var run = envelope.Run;
        var payment = Store.Load(message.PaymentId);
        var version = Store.VersionOf(message.PaymentId);
        if (payment?.FindRefund(message.RefundId) is not { Status: RefundStatus.Pending, ActionId: { } actionId } refund
            || payment.CheckoutPaymentId is not { } checkoutId
            || payment.ChecksCanceled && message.Attempt > 0)
        {
            Done(envelope);
            return;
        }

        if (Crashes(run, "before reading the refund"))
        {
            Redeliver(envelope);
            return;
        }

        var (answer, after) = sim.Acquirer.GetActions(run, checkoutId);
        Scheduler.After(after, () => Guarded(envelope, () =>
        {
            if (Crashes(run, "after reading the refund"))
            {
                Redeliver(envelope);
                return;
            }

            var now = Scheduler.Now;
            var events = new List<IPaymentEvent>();
            var outgoing = new OutgoingMessages();
            if (answer is CheckoutAnswer<IReadOnlyList<PaymentActionResponse>>.Ok { Value: var actions }
                && actions.FirstOrDefault(a => a.Id == actionId) is { } action
                && ReconcileRefundHandler.Outcome(checkoutId, refund, action) is { } fact)
            {
                events.AddRange(PaymentDecider.Decide(payment, fact, now).Events);
            }
            else if (message.Attempt > 0)
            {
                if (PaymentTimings.WaitAfter(sim.Timings.OutcomeRetries, message.Attempt - 1) is { } wait)
                {
                    outgoing.Delay(message with { Attempt = message.Attempt + 1 }, wait);
                }
                else
                {
                    events.AddRange(PaymentDecider.FlagForReview(payment,
                        $"refund {refund.Id} still undecided at Checkout.com after {message.Attempt} checks", now, refund.Id).Events);
                }
            }

            Commit(run, version, events, message.Cause ?? Causes.Scheduled(nameof(Payments.Host.Payments.ReconcileRefund), message.Attempt), outgoing);
            Finish(envelope, "after the refund's outcome was committed");
        }));
    }

    /// <summary>The second half of a handler runs later; a version conflict there retries the whole message.</summary>
    private void Guarded(Envelope envelope, Action rest)
    {
        try
        {
            rest();
        }
        catch (SimulatedConcurrencyException conflict)
        {
            Retry(envelope, conflict.Message);
        }
    }

    /// <summary>Committed; the acknowledgement may still be lost to a crash, and the message then runs again.</summary>
    private void Finish(Envelope envelope, string point)
    {
        if (Crashes(envelope.Run, point))
        {
            Redeliver(envelope);
            return;
        }

        Done(envelope);
    }
}
