using Wolverine.Configuration;

namespace Payments.Host.EventStore;

/// <summary>
/// <c>Fleet:*</c>: how quickly the hosts sharing one database notice each other (docs/architecture.md, "A fleet").
/// Every host checks in every <see cref="HealthCheckPollingTime"/>; a host silent for <see cref="StaleNodeTimeout"/> is
/// dead, and the leader moves its agents (durability, projections) to the survivors. Wolverine's defaults (10 s, 60 s,
/// 30 s) leave scheduled checks and projections stopped for a minute after a kill -9; ours move them in seconds.
/// </summary>
public sealed class FleetOptions
{
    public const string Section = "Fleet";

    public TimeSpan HealthCheckPollingTime { get; set; } = TimeSpan.FromSeconds(2);

    public TimeSpan StaleNodeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan CheckAssignmentPeriod { get; set; } = TimeSpan.FromSeconds(5);

    public void Validate()
    {
        if (HealthCheckPollingTime <= TimeSpan.Zero || CheckAssignmentPeriod <= TimeSpan.Zero)
        {
            throw new InvalidOperationException("Fleet:HealthCheckPollingTime and Fleet:CheckAssignmentPeriod must be positive.");
        }

        if (StaleNodeTimeout <= HealthCheckPollingTime * 2)
        {
            throw new InvalidOperationException(
                "Fleet:StaleNodeTimeout must be more than twice Fleet:HealthCheckPollingTime, or a live host is taken for dead.");
        }
    }
}

/// <summary>
/// <c>Webhooks:*</c>: the partitioned processing of stored webhooks on each host. <see cref="Queues"/> durable local
/// queues, each running up to <see cref="Slots"/> payments at once (one payment's webhooks strictly one at a time).
/// </summary>
public sealed class WebhookProcessingOptions
{
    public const string Section = "Webhooks";

    public int Queues { get; set; } = 4;

    public PartitionSlots Slots { get; set; } = PartitionSlots.Five;

    public void Validate()
    {
        if (Queues is < 1 or > 64)
        {
            throw new InvalidOperationException("Webhooks:Queues must be between 1 and 64.");
        }

        if (!Enum.IsDefined(Slots))
        {
            throw new InvalidOperationException($"Webhooks:Slots must be one of {string.Join(", ", Enum.GetNames<PartitionSlots>())}.");
        }
    }
}
