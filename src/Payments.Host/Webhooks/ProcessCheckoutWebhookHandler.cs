using System.Text.Json;
using JasperFx.Events;
using Marten;
using Marten.Patching;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Payments;
using Wolverine;

namespace Payments.Host.Webhooks;

/// <summary>
/// Applies one stored webhook through the machines. The payment's events and the webhook's outcome are written in
/// one transaction; a concurrent writer makes it fail and the whole decision is taken again on the new state.
/// </summary>
public static partial class ProcessCheckoutWebhookHandler
{
    public static async Task<OutgoingMessages> Handle(
        ProcessCheckoutWebhook message, IDocumentSession session, TimeProvider time, IOptions<PaymentTimings> timings,
        ILogger<ProcessCheckoutWebhook> logger, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(session);
        var outgoing = new OutgoingMessages();
        var webhook = await session.LoadAsync<CheckoutWebhook>(message.EventId, cancellation);
        if (webhook is not { Processing: WebhookProcessing.Received })
        {
            return outgoing;
        }

        using var json = JsonDocument.Parse(webhook.Body);
        var data = json.RootElement.GetProperty("data");
        var now = time.GetUtcNow();
        var fact = WebhookFacts.From(webhook.Type, data);
        if (fact is null)
        {
            Finish(session, webhook.Id, WebhookProcessing.Ignored, $"{webhook.Type} is not a KNET payment event", now);
            return outgoing;
        }

        // A webhook can beat the payment it is about: look again later, then park it for an operator.
        var stream = await FindPaymentAsync(session, data, webhook.CheckoutPaymentId, cancellation) is { } found
            ? await session.Events.FetchForExclusiveWriting<Payment>(found, cancellation)
            : null;
        if (stream?.Aggregate is not { } payment)
        {
            var looks = webhook.LookupAttempts + 1;
            if (PaymentTimings.WaitAfter(timings.Value.UnknownPaymentRetries, looks - 1) is { } wait)
            {
                session.Patch<CheckoutWebhook>(webhook.Id)
                    .Set(w => w.LookupAttempts, looks)
                    .Set(w => w.Outcome, $"no payment for {webhook.CheckoutPaymentId} yet (look {looks})");
                outgoing.Delay(message, wait);
            }
            else
            {
                Finish(session, webhook.Id, WebhookProcessing.Parked,
                        $"no payment for {webhook.CheckoutPaymentId} after {looks} looks", now)
                    .Set(w => w.LookupAttempts, looks);
                Parked(logger, webhook.Id, webhook.Type, webhook.CheckoutPaymentId);
            }

            return outgoing;
        }

        var paymentId = payment.Id;
        session.SetHeader(Causes.Header, Causes.Webhook(webhook.Id));
        if (data.TryGetProperty("action_id", out var action) && action.ValueKind == JsonValueKind.String)
        {
            session.SetHeader(Causes.CheckoutActionHeader, action.GetString()!);
        }

        var decision = fact switch
        {
            PaymentFact f => PaymentDecider.Decide(payment, f, now),
            RefundFact f => PaymentDecider.Decide(payment, f, now),
            _ => throw new InvalidOperationException($"Unexpected fact {fact}"),
        };
        stream.AppendMany(decision.Events);
        Finish(session, webhook.Id, decision.Kind switch
        {
            DecisionKind.Applied => WebhookProcessing.Applied,
            DecisionKind.Flagged => WebhookProcessing.Flagged,
            _ => WebhookProcessing.NoOp,
        }, decision.Reason, now).Set(w => w.PaymentId, paymentId);
        Processed(logger, webhook.Id, webhook.Type, paymentId, decision.Kind, decision.Reason);

        // Once KNET has decided, read Checkout.com's payment details for KNET's own record of it.
        if (decision.Kind == DecisionKind.Applied && fact is PaymentFact.Captured or PaymentFact.CaptureDeclined
                or PaymentFact.Canceled or PaymentFact.Expired)
        {
            outgoing.Add(new ReconcilePayment(paymentId, 0));
        }

        return outgoing;
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

    private static async Task<Guid?> FindPaymentAsync(IDocumentSession session, JsonElement data, string checkoutPaymentId, CancellationToken cancellation)
    {
        if (WebhookFacts.PaymentId(data) is { } id && await session.LoadAsync<Payment>(id, cancellation) is not null)
        {
            return id;
        }

        var byCheckoutId = await session.Query<Payment>().Where(p => p.CheckoutPaymentId == checkoutPaymentId)
            .Select(p => p.Id).ToListAsync(cancellation);
        return byCheckoutId.Count == 1 ? byCheckoutId[0] : null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {EventId} {Type} parked: no payment for {CheckoutPaymentId}")]
    private static partial void Parked(ILogger logger, string eventId, string type, string checkoutPaymentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {EventId} {Type} → payment {PaymentId}: {Kind} ({Reason})")]
    private static partial void Processed(ILogger logger, string eventId, string type, Guid paymentId, DecisionKind kind, string reason);
}
