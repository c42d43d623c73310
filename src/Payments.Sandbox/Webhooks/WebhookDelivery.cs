namespace Payments.Sandbox.Webhooks;

public enum DeliveryState
{
    Scheduled,
    Delivered,

    /// <summary>Every attempt of the schedule failed: Checkout.com cancels the webhook.</summary>
    Canceled,

    /// <summary>No webhook URL is configured: the event is listed, nothing is sent.</summary>
    NotSent,

    /// <summary>Published while the <c>DropWebhooks</c> fault was on: listed, never sent.</summary>
    Dropped,
}

public sealed record DeliveryAttempt(int Number, DateTimeOffset At, int? StatusCode, string? Error, double DurationMs);

/// <summary>One delivery of one event (a duplicate-delivery fault makes two of the same event).</summary>
public sealed class WebhookDelivery
{
    private readonly Lock _gate = new();
    private readonly List<DeliveryAttempt> _attempts = [];

    public required string DeliveryId { get; init; }
    public required string EventId { get; init; }
    public required string Type { get; init; }
    public required string PaymentId { get; init; }
    public required byte[] Body { get; init; }
    public required string Signature { get; init; }
    public required DateTimeOffset CreatedOn { get; init; }
    public DeliveryState State { get; private set; } = DeliveryState.Scheduled;
    public DateTimeOffset? NextAttemptAt { get; private set; }

    public IReadOnlyList<DeliveryAttempt> Attempts
    {
        get
        {
            lock (_gate)
            {
                return [.. _attempts];
            }
        }
    }

    public void Record(DeliveryAttempt attempt, DeliveryState state, DateTimeOffset? next)
    {
        lock (_gate)
        {
            _attempts.Add(attempt);
            State = state;
            NextAttemptAt = next;
        }

    }

    public void Drop()
    {
        lock (_gate)
        {
            State = DeliveryState.Dropped;
            NextAttemptAt = null;
        }
    }

    public void ScheduleFirst(DateTimeOffset at)
    {
        lock (_gate)
        {
            NextAttemptAt = at;
        }
    }
}
