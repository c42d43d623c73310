using System.Diagnostics;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Marten.Patching;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Telemetry;
using Wolverine;

namespace Payments.Host.Webhooks;

/// <summary>
/// Applies stored webhooks through the machines, one payment at a time (docs/architecture.md, "Webhooks in order"). The
/// message names one webhook; the handler takes the payment's row lock and applies every webhook of that payment still
/// waiting, the named one included, in receipt order. Whichever message of a payment runs first — after a crash, on
/// another node, or redelivered — the payment sees its webhooks in the order we acknowledged them; the later messages
/// find their webhooks done and change nothing. The events, each webhook's outcome and the follow-up checks are written
/// in one transaction.
/// </summary>
public static partial class ProcessCheckoutWebhookHandler
{
    public static async Task<OutgoingMessages> Handle(
        ProcessCheckoutWebhook message, IDocumentSession session, TimeProvider time, IOptions<PaymentTimings> timings,
        PaymentsMetrics metrics, ILogger<ProcessCheckoutWebhook> logger, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(session);
        // Wolverine's span for this message.
        var span = Activity.Current;
        var outgoing = new OutgoingMessages();
        var webhook = await session.LoadAsync<CheckoutWebhook>(message.EventId, cancellation);
        if (webhook is not { Processing: WebhookProcessing.Received })
        {
            return outgoing;
        }

        var now = time.GetUtcNow();
        using (var json = JsonDocument.Parse(webhook.Body))
        {
            var data = json.RootElement.GetProperty("data");
            if (WebhookFacts.From(webhook.Type, data) is null)
            {
                Finish(session, webhook.Id, WebhookProcessing.Ignored, $"{webhook.Type} is not a KNET payment event", now);
                return outgoing;
            }

            // A webhook can beat the payment it is about: look again later, then park it for an operator.
            if (await LockPaymentAsync(session, WebhookFacts.PaymentId(data), webhook.CheckoutPaymentId, cancellation) is not { } stream)
            {
                LookAgainOrPark(session, message, webhook, timings.Value, outgoing, logger, now);
                return outgoing;
            }

            // Under the payment's row lock every webhook of it that is committed is visible, and none is being applied
            // elsewhere: apply them all, oldest receipt first. The triggering webhook is among them, unless another
            // node applied it between our first read and the lock.
            var waiting = await session.Query<CheckoutWebhook>()
                .Where(w => w.CheckoutPaymentId == webhook.CheckoutPaymentId && w.Processing == WebhookProcessing.Received)
                .OrderBy(w => w.Sequence).ThenBy(w => w.ReceivedAt)
                .ToListAsync(cancellation);
            var payment = stream.Aggregate!;
            span.Tag(SpanTags.PaymentId, payment.Id);
            var done = new List<CheckoutWebhook>(waiting.Count);
            foreach (var next in waiting)
            {
                if (Apply(session, stream, payment, next, outgoing, timings.Value, logger, now) is { } after)
                {
                    payment = after;
                    done.Add(next);
                }
            }

            // Acknowledged (stored and answered 200) until applied: measured at the commit, so a rolled-back attempt
            // that is retried counts once.
            session.Listeners.Add(new AfterCommit(() =>
            {
                var committed = time.GetUtcNow();
                foreach (var applied in done)
                {
                    metrics.WebhookApplied(committed - applied.ReceivedAt);
                }
            }));
        }

        return outgoing;
    }

    /// <summary>
    /// One webhook's decision on the payment as the earlier webhooks left it; returns the payment after it, or null when
    /// the webhook is not this payment's to decide.
    /// </summary>
    private static Payment? Apply(
        IDocumentSession session, IEventStream<Payment> stream, Payment payment, CheckoutWebhook webhook,
        OutgoingMessages outgoing, PaymentTimings timings, ILogger logger, DateTimeOffset now)
    {
        using var json = JsonDocument.Parse(webhook.Body);
        var data = json.RootElement.GetProperty("data");
        if (WebhookFacts.PaymentId(data) is { } named && named != payment.Id)
        {
            // It names another payment (a mistaken or hostile body reusing this Checkout.com id): its own message
            // decides it against the payment it names.
            return null;
        }

        var fact = WebhookFacts.From(webhook.Type, data);
        if (fact is null)
        {
            Finish(session, webhook.Id, WebhookProcessing.Ignored, $"{webhook.Type} is not a KNET payment event", now);
            return payment;
        }

        var decision = fact switch
        {
            PaymentFact f => PaymentDecider.Decide(payment, f, now),
            RefundFact f => PaymentDecider.Decide(payment, f, now),
            _ => throw new InvalidOperationException($"Unexpected fact {fact}"),
        };

        // Each event names the webhook that caused it: several webhooks share this transaction, so the cause is the
        // event's own header, not the session's.
        var action = data.TryGetProperty("action_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        foreach (var change in decision.Events)
        {
            var @event = session.Events.BuildEvent(change);
            @event.SetHeader(Causes.Header, Causes.Webhook(webhook.Id));
            if (action is not null)
            {
                @event.SetHeader(Causes.CheckoutActionHeader, action);
            }

            stream.AppendOne(@event);
        }

        var before = payment;
        payment = payment.After(decision.Events);

        Finish(session, webhook.Id, decision.Kind switch
        {
            DecisionKind.Applied => WebhookProcessing.Applied,
            DecisionKind.Flagged => WebhookProcessing.Flagged,
            _ => WebhookProcessing.NoOp,
        }, decision.Reason, now).Set(w => w.PaymentId, payment.Id);
        Processed(logger, webhook.Id, webhook.Type, webhook.CheckoutPaymentId, payment.Id, decision.Kind, decision.Reason);

        ChecksAfter(before, payment, fact, decision.Kind, timings, outgoing);

        return payment;
    }

    /// <summary>
    /// The checks that must follow what one webhook changed, written with its events (docs/architecture.md, "Follow-up
    /// checks and the sweeper"); the deterministic simulator runs this same function.
    /// <list type="bullet">
    /// <item>KNET decided the payment: read Checkout.com's payment details at once for KNET's own record of it.</item>
    /// <item>The webhook made a Requested payment Pending (or approved it) before Checkout.com's answer to our request
    /// was applied (that answer lost, late, or its writer crashed): the outcome check the answer would have scheduled,
    /// due as late. The answer, when it comes, schedules none, so there is one series.</item>
    /// <item>Likewise for each refund the webhook moved from Requested to Pending.</item>
    /// </list>
    /// </summary>
    public static void ChecksAfter(
        Payment before, Payment after, object fact, DecisionKind kind, PaymentTimings timings, OutgoingMessages outgoing)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(timings);
        ArgumentNullException.ThrowIfNull(outgoing);
        if (kind != DecisionKind.Applied)
        {
            return;
        }

        if (fact is PaymentFact.Captured or PaymentFact.CaptureDeclined or PaymentFact.Canceled or PaymentFact.Expired)
        {
            outgoing.Add(new ReconcilePayment(after.Id, 0));
        }

        if (before.Status == PaymentStatus.Requested && ReconcilePaymentHandler.Undecided(after))
        {
            outgoing.Delay(new ReconcilePayment(after.Id, 1), timings.OutcomeCheckAfter);
        }

        foreach (var refund in after.Refunds.Where(r => r.Status == RefundStatus.Pending
                     && before.FindRefund(r.Id) is { Status: RefundStatus.Requested }))
        {
            outgoing.Delay(new ReconcileRefund(after.Id, refund.Id, 1), timings.RefundCheckAfter);
        }
    }

    private static void LookAgainOrPark(
        IDocumentSession session, ProcessCheckoutWebhook message, CheckoutWebhook webhook, PaymentTimings timings,
        OutgoingMessages outgoing, ILogger logger, DateTimeOffset now)
    {
        var looks = webhook.LookupAttempts + 1;
        if (PaymentTimings.WaitAfter(timings.UnknownPaymentRetries, looks - 1) is { } wait)
        {
            session.Patch<CheckoutWebhook>(webhook.Id)
                .Set(w => w.LookupAttempts, looks)
                .Set(w => w.Outcome, $"no payment for {webhook.CheckoutPaymentId} yet (look {looks})");
            outgoing.Delay(message with { CheckoutPaymentId = webhook.CheckoutPaymentId }, wait);
        }
        else
        {
            Finish(session, webhook.Id, WebhookProcessing.Parked,
                    $"no payment for {webhook.CheckoutPaymentId} after {looks} looks", now)
                .Set(w => w.LookupAttempts, looks);
            Parked(logger, webhook.Id, webhook.Type, webhook.CheckoutPaymentId);
        }
    }

    /// <summary>
    /// The processor writes only its own fields (outcome, lookups, payment id), each in place and in the transaction
    /// that appends the payment's events: the receive endpoint counts redeliveries and the replay endpoint counts
    /// replays on the same record at the same time, and storing the whole document would undo them
    /// (docs/architecture.md, Webhooks).
    /// </summary>
    private static IPatchExpression<CheckoutWebhook> Finish(
        IDocumentSession session, string eventId, WebhookProcessing processing, string outcome, DateTimeOffset now) =>
        session.Patch<CheckoutWebhook>(eventId)
            .Set(w => w.Processing, processing)
            .Set(w => w.Outcome, outcome)
            .Set(w => w.ProcessedAt, now);

    /// <summary>
    /// The payment's stream, loaded once and locked (<c>FOR UPDATE</c> on its stream row): the payment our id in the
    /// metadata names, or, for a webhook without it, the one payment with this Checkout.com id. Null when no payment of
    /// ours matches (yet). A webhook belongs to the payment it names and to no other, so the webhooks applied together
    /// under one lock are exactly that payment's.
    /// </summary>
    private static async Task<IEventStream<Payment>?> LockPaymentAsync(
        IDocumentSession session, Guid? paymentId, string checkoutPaymentId, CancellationToken cancellation)
    {
        if (paymentId is null)
        {
            var byCheckoutId = await session.Query<Payment>().Where(p => p.CheckoutPaymentId == checkoutPaymentId)
                .Select(p => p.Id).ToListAsync(cancellation);
            paymentId = byCheckoutId.Count == 1 ? byCheckoutId[0] : null;
        }

        return paymentId is { } id && await session.Events.FetchForExclusiveWriting<Payment>(id, cancellation) is { Aggregate: not null } stream
            ? stream
            : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {EventId} {Type} parked: no payment for {CheckoutPaymentId}")]
    private static partial void Parked(ILogger logger, string eventId, string type, string checkoutPaymentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {EventId} {Type} for {CheckoutPaymentId} → payment {PaymentId}: {Kind} ({Reason})")]
    private static partial void Processed(ILogger logger, string eventId, string type, string checkoutPaymentId, Guid paymentId, DecisionKind kind, string reason);
}
