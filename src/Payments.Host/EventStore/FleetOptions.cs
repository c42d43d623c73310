using Microsoft.Extensions.Options;
using Payments.Host.Configuration;
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
}

public sealed class FleetOptionsValidation : IValidateOptions<FleetOptions>
{
    public ValidateOptionsResult Validate(string? name, FleetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = FleetOptions.Section;
        var failures = new ValidateOptionsResultBuilder();
        failures.RequirePositive($"{S}:{nameof(options.HealthCheckPollingTime)}", options.HealthCheckPollingTime,
            "a host could never check in and would be taken for dead");
        failures.RequirePositive($"{S}:{nameof(options.CheckAssignmentPeriod)}", options.CheckAssignmentPeriod,
            "the leader would never hand out the fleet's work");
        if (options.StaleNodeTimeout <= options.HealthCheckPollingTime * 2)
        {
            failures.Fail($"{S}:{nameof(options.StaleNodeTimeout)}",
                $"is {SettingRules.Show(options.StaleNodeTimeout)}, not more than twice {S}:{nameof(options.HealthCheckPollingTime)} ({SettingRules.Show(options.HealthCheckPollingTime)})",
                "a live host would be taken for dead");
        }

        return failures.Build();
    }
}

public sealed class WebhookProcessingOptionsValidation : IValidateOptions<WebhookProcessingOptions>
{
    public const int MaxQueues = 64;

    public ValidateOptionsResult Validate(string? name, WebhookProcessingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = WebhookProcessingOptions.Section;
        var failures = new ValidateOptionsResultBuilder();
        if (options.Queues is < 1 or > MaxQueues)
        {
            failures.Fail($"{S}:{nameof(options.Queues)}", $"is {options.Queues}, not between 1 and {MaxQueues}",
                "each queue is a durable local queue of every host, and stored webhooks need at least one");
        }

        if (!Enum.IsDefined(options.Slots))
        {
            failures.Fail($"{S}:{nameof(options.Slots)}", $"is {options.Slots}, not one of {string.Join(", ", Enum.GetNames<PartitionSlots>())}",
                "Wolverine runs 3, 5, 7 or 9 payments at once in each queue");
        }

        return failures.Build();
    }
}
