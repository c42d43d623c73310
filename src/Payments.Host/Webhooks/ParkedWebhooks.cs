using Marten;
using Marten.Patching;
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

/// <summary>What a replay found: the webhook's processing before it (null: no such webhook); replayed only when Parked.</summary>
public sealed record ParkedReplay(WebhookProcessing? Before)
{
    public bool Replayed => Before == WebhookProcessing.Parked;
}

public static class ReplayParkedWebhook
{
    /// <summary>Processes a parked webhook again, as if it had just arrived: 202, or 404 / 409 <c>webhook_not_parked</c>.</summary>
    [WolverinePost("/webhooks/parked/{id}/replay")]
    public static async Task<IResult> Post(string id, IDocumentStore store, IMartenOutbox outbox, CancellationToken cancellation) =>
        (await ReplayAsync(id, store, outbox, cancellation)).Before switch
        {
            null => Problems.Of(StatusCodes.Status404NotFound, "webhook_not_found", "Webhook not found", $"No webhook {id}."),
            WebhookProcessing.Parked => Results.Accepted($"/webhooks/parked/{id}", new { replayed = id }),
            var processing => Problems.Of(StatusCodes.Status409Conflict, "webhook_not_parked", "Only a parked webhook can be replayed",
                $"Webhook {id} is {processing}."),
        };

    /// <summary>The replay itself, shared by the API and the operator console.</summary>
    public static async Task<ParkedReplay> ReplayAsync(string id, IDocumentStore store, IMartenOutbox outbox, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(outbox);
        await using var session = store.LightweightSession();
        outbox.Enroll(session);
        // An id no webhook can have (the edge text rule) is simply not found; it never reaches SQL.
        var webhook = Edge.EdgeText.Violation(id) is null ? await session.LoadAsync<CheckoutWebhook>(id, cancellation) : null;
        if (webhook is null)
        {
            return new ParkedReplay(null);
        }

        if (webhook.Processing != WebhookProcessing.Parked)
        {
            return new ParkedReplay(webhook.Processing);
        }

        // Only the replay's own fields, and only over a record still parked: a replay racing another one (or the
        // processing it started) must not put a processed webhook back to Received, nor overwrite the redelivery
        // count (docs/architecture.md, Webhooks). The loser's message finds the record no longer Received: a no-op.
        session.Patch<CheckoutWebhook>(w => w.Id == id && w.Processing == WebhookProcessing.Parked)
            .Set(w => w.Processing, WebhookProcessing.Received)
            .Set(w => w.LookupAttempts, 0)
            .Increment(w => w.Replays);
        await outbox.SendAsync(new ProcessCheckoutWebhook(webhook.Id, webhook.CheckoutPaymentId));
        await session.SaveChangesAsync(cancellation);
        return new ParkedReplay(WebhookProcessing.Parked);
    }
}
