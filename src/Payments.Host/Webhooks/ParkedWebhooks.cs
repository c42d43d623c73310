using Marten;
using Payments.Host.Payments;
using Wolverine.Http;
using Wolverine.Marten;

namespace Payments.Host.Webhooks;

public sealed record ParkedWebhook(string Id, string Type, string CheckoutPaymentId, DateTimeOffset ReceivedAt, int LookupAttempts, string? Outcome);

/// <summary>Webhooks no payment of ours matched: listed for an operator, and replayed once the payment exists.</summary>
public static class ParkedWebhooks
{
    [WolverineGet("/webhooks/parked")]
    public static async Task<IReadOnlyList<ParkedWebhook>> List(IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        var parked = await session.Query<CheckoutWebhook>().Where(w => w.Processing == WebhookProcessing.Parked)
            .OrderBy(w => w.ReceivedAt).ToListAsync(cancellation);
        return [.. parked.Select(w => new ParkedWebhook(w.Id, w.Type, w.CheckoutPaymentId, w.ReceivedAt, w.LookupAttempts, w.Outcome))];
    }
}

public static class ReplayParkedWebhook
{
    /// <summary>Processes a parked webhook again, as if it had just arrived: 202, or 404 / 409 <c>webhook_not_parked</c>.</summary>
    [WolverinePost("/webhooks/parked/{id}/replay")]
    public static async Task<IResult> Post(string id, IDocumentStore store, IMartenOutbox outbox, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(outbox);
        await using var session = store.LightweightSession();
        outbox.Enroll(session);
        var webhook = await session.LoadAsync<CheckoutWebhook>(id, cancellation);
        if (webhook is null)
        {
            return Problems.Of(StatusCodes.Status404NotFound, "webhook_not_found", "Webhook not found", $"No webhook {id}.");
        }

        if (webhook.Processing != WebhookProcessing.Parked)
        {
            return Problems.Of(StatusCodes.Status409Conflict, "webhook_not_parked", "Only a parked webhook can be replayed",
                $"Webhook {id} is {webhook.Processing}.");
        }

        webhook.Processing = WebhookProcessing.Received;
        webhook.LookupAttempts = 0;
        webhook.Replays++;
        session.Store(webhook);
        await outbox.SendAsync(new ProcessCheckoutWebhook(webhook.Id));
        await session.SaveChangesAsync(cancellation);
        return Results.Accepted($"/webhooks/parked/{id}", new { replayed = webhook.Id });
    }
}
