using System.Text.Json.Serialization;
using Wolverine.Attributes;

namespace Payments.Host.Webhooks;

public enum WebhookProcessing
{
    Received,
    Applied,
    NoOp,
    Flagged,

    /// <summary>A type KNET payments do not use: acknowledged and kept, nothing applied.</summary>
    Ignored,

    /// <summary>No payment of ours matched it after every retry: waits for an operator to replay it.</summary>
    Parked,
}

/// <summary>
/// A webhook exactly as Checkout.com sent it, stored before it is acknowledged. Its id is Checkout.com's event id,
/// so a redelivery finds it and changes nothing. Duplicates and late arrivals stay in this record.
/// Three writers share it, at the same moments, so each patches only the fields it owns and never saves the whole
/// document (docs/architecture.md, Webhooks): the receive endpoint inserts it and counts <see cref="Deliveries"/>;
/// the processor writes <see cref="Processing"/>, <see cref="Outcome"/>, <see cref="ProcessedAt"/>,
/// <see cref="PaymentId"/> and <see cref="LookupAttempts"/>; the replay endpoint puts a parked one back to Received
/// and counts <see cref="Replays"/>.
/// </summary>
public sealed class CheckoutWebhook
{
    public string Id { get; set; } = "";

    /// <summary>
    /// The receipt number: taken from a PostgreSQL sequence before the webhook is stored and acknowledged, so a webhook
    /// acknowledged before another was received always has the lower number, whichever node took either. One payment's
    /// webhooks are applied in this order (docs/architecture.md, "Webhooks in order").
    /// </summary>
    public long Sequence { get; set; }

    public string Type { get; set; } = "";
    public string CheckoutPaymentId { get; set; } = "";
    public Guid? PaymentId { get; set; }
    public string Body { get; set; } = "";
    public DateTimeOffset ReceivedAt { get; set; }
    public int Deliveries { get; set; } = 1;

    /// <summary>How many times processing looked for its payment and did not find it.</summary>
    public int LookupAttempts { get; set; }

    public int Replays { get; set; }
    public WebhookProcessing Processing { get; set; } = WebhookProcessing.Received;
    public string? Outcome { get; set; }
    public DateTimeOffset? ProcessedAt { get; set; }
}

/// <summary>
/// Processes the stored webhooks of one payment, apart from the request that delivered them: the one named and every
/// other of its payment still waiting, in receipt order. Partitioned by Checkout.com's payment id, so one node applies
/// one payment's webhooks one at a time while other payments run beside them.
/// </summary>
public sealed record ProcessCheckoutWebhook(string EventId, [property: Audit] string? CheckoutPaymentId = null)
{
    /// <summary>The webhook's event id under the name our spans and logs give it (<c>webhook.event.id</c>).</summary>
    [Audit]
    [JsonIgnore]
    public string WebhookEventId => EventId;
}
