using System.Text.Json;
using Marten;
using Payments.Domain;
using Payments.Host.Payments;
using Wolverine;

namespace Payments.Host.Webhooks;

/// <summary>The webhook names a payment this service does not hold (yet): retried on a schedule, then parked.</summary>
public sealed class PaymentNotFoundYetException(string message) : Exception(message);

/// <summary>
/// Applies one stored webhook through the machines. The payment's events and the webhook's outcome are written in
/// one transaction; a concurrent writer makes it fail and the whole decision is taken again on the new state.
/// </summary>
public static partial class ProcessCheckoutWebhookHandler
{
    public static async Task<OutgoingMessages> Handle(
        ProcessCheckoutWebhook message, IDocumentSession session, TimeProvider time, ILogger<ProcessCheckoutWebhook> logger,
        CancellationToken cancellation)
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
            Finish(session, webhook, WebhookProcessing.Ignored, $"{webhook.Type} is not a KNET payment event", now);
            return outgoing;
        }

        var paymentId = await FindPaymentAsync(session, data, webhook.CheckoutPaymentId, cancellation)
            ?? throw new PaymentNotFoundYetException($"No payment for Checkout.com payment {webhook.CheckoutPaymentId} (webhook {webhook.Id}).");

        session.SetHeader(Causes.Header, Causes.Webhook(webhook.Id));
        var stream = await session.Events.FetchForWriting<Payment>(paymentId, cancellation);
        var payment = stream.Aggregate ?? throw new PaymentNotFoundYetException($"Payment {paymentId} has no stream yet.");
        var decision = fact switch
        {
            PaymentFact f => PaymentDecider.Decide(payment, f, now),
            RefundFact f => PaymentDecider.Decide(payment, f, now),
            _ => throw new InvalidOperationException($"Unexpected fact {fact}"),
        };
        stream.AppendMany(decision.Events);
        webhook.PaymentId = paymentId;
        Finish(session, webhook, decision.Kind switch
        {
            DecisionKind.Applied => WebhookProcessing.Applied,
            DecisionKind.Flagged => WebhookProcessing.Flagged,
            _ => WebhookProcessing.NoOp,
        }, decision.Reason, now);
        Processed(logger, webhook.Id, webhook.Type, paymentId, decision.Kind, decision.Reason);

        // Once KNET has decided, read Checkout.com's payment details for KNET's own record of it.
        if (decision.Kind == DecisionKind.Applied && fact is PaymentFact.Captured or PaymentFact.CaptureDeclined
                or PaymentFact.Canceled or PaymentFact.Expired)
        {
            outgoing.Add(new ReconcilePayment(paymentId, 0));
        }

        return outgoing;
    }

    private static void Finish(IDocumentSession session, CheckoutWebhook webhook, WebhookProcessing processing, string outcome, DateTimeOffset now)
    {
        webhook.Processing = processing;
        webhook.Outcome = outcome;
        webhook.ProcessedAt = now;
        session.Store(webhook);
    }

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

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {EventId} {Type} → payment {PaymentId}: {Kind} ({Reason})")]
    private static partial void Processed(ILogger logger, string eventId, string type, Guid paymentId, DecisionKind kind, string reason);
}
