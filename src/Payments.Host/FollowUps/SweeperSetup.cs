using Microsoft.Extensions.Options;
using Payments.Host.Checkout;
using Payments.Host.Configuration;
using Payments.Host.EventStore;

namespace Payments.Host.FollowUps;

/// <summary>The section <c>Payments:Sweeper</c>. See docs/architecture.md, "Follow-up checks and the sweeper".</summary>
public sealed class SweeperOptions
{
    public const string Section = "Payments:Sweeper";

    /// <summary>Off: this node never sweeps (tests that seed undecided payments and want them left alone).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often each node tries to sweep; only the one holding the lock does.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long an item must have been in its state before a missing check counts as lost. Its creator records the
    /// state, then waits for Checkout.com (up to <c>Checkout:TotalTimeout</c>), then enrols the check: a sweep inside
    /// that window would start a second chain of checks beside the first.
    /// </summary>
    public TimeSpan SettleTime { get; set; } = TimeSpan.FromMinutes(2);
}

public static class SweeperSetup
{
    public static IServiceCollection AddSweeper(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<SweeperOptions, SweeperOptionsValidation>(configuration, SweeperOptions.Section);
        services.AddSingleton<Sweeper>();
        services.AddHostedService<SweeperService>();
        return services;
    }
}

public sealed class SweeperOptionsValidation(IOptions<CheckoutOptions> checkout) : IValidateOptions<SweeperOptions>
{
    public ValidateOptionsResult Validate(string? name, SweeperOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = SweeperOptions.Section;
        var failures = new ValidateOptionsResultBuilder();
        failures.RequirePositive($"{S}:{nameof(options.Interval)}", options.Interval, "lost checks would never be re-created");
        TimeSpan totalTimeout;
        try
        {
            totalTimeout = checkout.Value.TotalTimeout;
        }
        catch (OptionsValidationException)
        {
            // The Checkout section is invalid itself, and its own failures say why: nothing to compare with.
            return failures.Build();
        }

        if (options.SettleTime <= totalTimeout)
        {
            failures.Fail($"{S}:{nameof(options.SettleTime)}",
                $"is {SettingRules.Show(options.SettleTime)}, not longer than {CheckoutOptions.Section}:{nameof(CheckoutOptions.TotalTimeout)} ({SettingRules.Show(totalTimeout)})",
                "a sweep could start a second chain of checks beside one still being enrolled");
        }

        return failures.Build();
    }
}

/// <summary>
/// Runs a sweep every <see cref="SweeperOptions.Interval"/> on every node; the advisory lock lets one of them through.
/// Wolverine has no recurring durable job of its own (its scheduled messages fire once), and a self-rescheduling
/// message could be lost exactly like the checks it guards.
/// </summary>
public sealed partial class SweeperService(
    Sweeper sweeper, TimeProvider time, IOptionsMonitor<SweeperOptions> options, ILogger<SweeperService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.CurrentValue.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.CurrentValue.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await sweeper.SweepAsync(stoppingToken);
                }
#pragma warning disable CA1031 // A failed sweep must not stop the next one, which starts again from what the table holds.
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    Failed(logger, e, DatabaseFaults.IsTransient(e) ? "database unavailable" : "unexpected failure");
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping (or disposed before it ever started): not a failure of the service.
        }
    }

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "Sweep failed ({Kind}); the next round tries again")]
    private static partial void Failed(ILogger logger, Exception exception, string kind);
}
