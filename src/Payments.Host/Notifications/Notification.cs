using System.Security.Cryptography;
using System.Text;
using Payments.Host.Payments;

namespace Payments.Host.Notifications;

public enum NotificationStatus
{
    Pending,
    Delivered,
    Failed,
}

/// <summary>One try at posting a notification: what the receiver answered (or why nothing came back), and how long it took.</summary>
public sealed record DeliveryAttempt(DateTimeOffset At, int? StatusCode, string? Error, long DurationMs);

/// <summary>
/// One notification for one endpoint, and its delivery log. The id is derived from the event, the type and the
/// endpoint: the same change always has the same id, which is what a receiver dedupes on.
/// </summary>
public sealed class Notification
{
    public string Id { get; set; } = "";
    public string EndpointId { get; set; } = "";
    public Guid PaymentId { get; set; }
    public string Type { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
    public Guid EventId { get; set; }

    /// <summary>The order within the payment: the event's version, then the change's place within the event.</summary>
    public long Order { get; set; }

    /// <summary>The payment as of the event.</summary>
    public PaymentView Data { get; set; } = null!;

    public NotificationStatus Status { get; set; }
    public List<DeliveryAttempt> Attempts { get; set; } = [];

    /// <summary>Failed attempts since the last success or redelivery: picks the next wait.</summary>
    public int FailuresInRow { get; set; }

    public DateTimeOffset? NextAttemptAt { get; set; }

    /// <summary>The partition key of the delivery queue: one endpoint's notifications of one payment, one at a time.</summary>
    public string Partition => PartitionOf(EndpointId, PaymentId);

    public static string PartitionOf(string endpointId, Guid paymentId) => $"{endpointId}:{paymentId}";

    public static string IdOf(Guid eventId, string type, string endpointId) =>
        "ntf_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{eventId:N}/{type}/{endpointId}")))[..32];
}

/// <summary>What is posted: the body's fields, in this order.</summary>
public sealed record NotificationBody(string Id, string Type, DateTimeOffset CreatedAt, PaymentView Data);

/// <summary>A notification and its delivery log as the API shows it.</summary>
public sealed record NotificationView(
    string Id, string EndpointId, Guid PaymentId, string Type, DateTimeOffset CreatedAt, string Status,
    IReadOnlyList<DeliveryAttempt> Attempts, DateTimeOffset? NextAttemptAt, PaymentView Data)
{
    public static NotificationView Of(Notification n)
    {
        ArgumentNullException.ThrowIfNull(n);
        return new(n.Id, n.EndpointId, n.PaymentId, n.Type, n.CreatedAt, n.Status.ToString().ToLowerInvariant(), n.Attempts,
            n.NextAttemptAt, n.Data);
    }
}
