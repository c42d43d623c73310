using System.Text.Json;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Webhooks;
using Wolverine;

namespace Payments.Simulation;

/// <summary>Webhooks: the intake and the per-payment processing, as the host runs them.</summary>
internal sealed partial class Service
{
    // ---- webhooks (ReceiveCheckoutWebhook, ProcessCheckoutWebhookHandler) -------------------------------------------

    /// <summary>Stored (deduplicated by event id) with its processing message, then acknowledged; false = not acknowledged.</summary>
    public bool ReceiveWebhook(PaymentRun run, SimWebhook webhook)
    {
        if (run.Fault("intake-fails", Faults.IntakeFails))
        {
            sim.Log(run, $"service: webhook {webhook.Id} {webhook.Type} → 503 (nothing stored)");
            return false;
        }

        if (webhooks.TryGetValue(webhook.Id, out var known))
        {
            known.Deliveries++;
            sim.Log(run, $"service: webhook {webhook.Id} {webhook.Type} delivered again → 200, already stored");
            return true;
        }

        var stored = new StoredWebhook(webhook, ++receipts);
        webhooks[webhook.Id] = stored;
        if (!byCheckoutId.TryGetValue(webhook.CheckoutPaymentId, out var list))
        {
            list = [];
            byCheckoutId[webhook.CheckoutPaymentId] = list;
        }

        list.Add(stored);
        sim.Log(run, $"service: webhook {webhook.Id} {webhook.Type} → 200, stored");
        Schedule(run, new ProcessCheckoutWebhook(webhook.Id, webhook.CheckoutPaymentId), TimeSpan.Zero);
        return true;
    }

    /// <summary>
    /// <c>ProcessCheckoutWebhookHandler</c>: under the payment's lock, every webhook of it still waiting, in receipt
    /// order, each through the decider; events, outcomes and the follow-up reads in one transaction.
    /// </summary>
    private void ProcessWebhook(Envelope envelope, ProcessCheckoutWebhook message)
    {
        var run = envelope.Run;
        var webhook = webhooks[message.EventId];
        if (webhook.Processing != WebhookProcessing.Received)
        {
            Done(envelope);
            return;
        }

        if (Crashes(run, "before applying webhooks"))
        {
            Redeliver(envelope);
            return;
        }

        Guid? named;
        using (var json = JsonDocument.Parse(webhook.Webhook.Body))
        {
            var data = json.RootElement.GetProperty("data");
            if (WebhookFacts.From(webhook.Webhook.Type, data) is null)
            {
                webhook.Processing = WebhookProcessing.Ignored;
                Done(envelope);
                return;
            }

            named = WebhookFacts.PaymentId(data);
        }

        if (named is not { } id || Store.Load(id) is not { } payment)
        {
            LookAgainOrPark(envelope, webhook, message);
            return;
        }

        var now = Scheduler.Now;
        var events = new List<(IPaymentEvent, string)>();
        var outcomes = new List<(StoredWebhook, WebhookProcessing)>();
        var outgoing = new OutgoingMessages();
        foreach (var next in byCheckoutId[webhook.Webhook.CheckoutPaymentId].Where(w => w.Processing == WebhookProcessing.Received))
        {
            using var json = JsonDocument.Parse(next.Webhook.Body);
            var data = json.RootElement.GetProperty("data");
            if (WebhookFacts.PaymentId(data) is { } other && other != payment.Id)
            {
                continue;
            }

            var fact = WebhookFacts.From(next.Webhook.Type, data);
            var decision = fact switch
            {
                PaymentFact f => PaymentDecider.Decide(payment, f, now),
                RefundFact f => PaymentDecider.Decide(payment, f, now),
                _ => null,
            };
            if (decision is null)
            {
                outcomes.Add((next, WebhookProcessing.Ignored));
                continue;
            }

            var written = decision.Events;
            if (sim.Options.Mutation.HasFlag(Mutation.WebhookSkipsDecidedCheck) && decision.Kind == DecisionKind.NoOp
                && fact is PaymentFact late && Unchecked(payment, late, now) is { } forced)
            {
                written = [forced];
            }

            sim.Log(run, $"service: apply {next.Webhook.Id} {next.Webhook.Type} → {decision.Kind} ({decision.Reason})");
            var before = payment;
            foreach (var e in written)
            {
                events.Add((e, Causes.Webhook(next.Webhook.Id)));
                payment = Payment.Evolve(payment, e)!;
            }

            outcomes.Add((next, decision.Kind switch
            {
                DecisionKind.Applied => WebhookProcessing.Applied,
                DecisionKind.Flagged => WebhookProcessing.Flagged,
                _ => WebhookProcessing.NoOp,
            }));
            ProcessCheckoutWebhookHandler.ChecksAfter(before, payment, fact!, decision.Kind, sim.Timings, outgoing);
        }

        Commit(run, null, events, outgoing);
        foreach (var (stored, outcome) in outcomes)
        {
            stored.Processing = outcome;
        }

        Finish(envelope, "after the webhooks were committed");
    }

    private void LookAgainOrPark(Envelope envelope, StoredWebhook webhook, ProcessCheckoutWebhook message)
    {
        var looks = ++webhook.LookupAttempts;
        if (PaymentTimings.WaitAfter(sim.Timings.UnknownPaymentRetries, looks - 1) is { } wait)
        {
            sim.Log(envelope.Run, $"service: no payment for {webhook.Webhook.Id} yet (look {looks})");
            Schedule(envelope.Run, message, wait);
        }
        else
        {
            sim.Log(envelope.Run, $"service: webhook {webhook.Webhook.Id} parked");
            webhook.Processing = WebhookProcessing.Parked;
        }

        Done(envelope);
    }

    /// <summary>The mutation <see cref="Mutation.WebhookSkipsDecidedCheck"/>: the event a fact names, written without asking the machine.</summary>
    private static IPaymentEvent? Unchecked(Payment payment, PaymentFact fact, DateTimeOffset now) => fact switch
    {
        PaymentFact.Pending f => new PaymentPending(payment.Id, f.PaymentIdAtCheckout, null, now),
        PaymentFact.Approved f => new PaymentApproved(payment.Id, f.PaymentIdAtCheckout, f.ActionId, now),
        PaymentFact.Captured f => new PaymentCaptured(payment.Id, f.PaymentIdAtCheckout, f.ActionId, f.Amount, f.ResponseCode, now),
        PaymentFact.Canceled f => new PaymentCanceled(payment.Id, f.PaymentIdAtCheckout, f.ActionId, now, payment.Amount),
        PaymentFact.Expired f => new PaymentExpired(payment.Id, f.PaymentIdAtCheckout, f.ActionId, now, payment.Amount),
        _ => null,
    };
}
