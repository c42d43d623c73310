using Microsoft.Extensions.Options;
using Payments.Host.Configuration;
using Wolverine;
using Wolverine.ErrorHandling;

namespace Payments.Host.EventStore;

/// <summary>
/// <c>Shutdown:*</c>: how long a host stopping on SIGTERM waits for the work it already took (docs/architecture.md,
/// "A fleet", "Shutdown"). Kestrel stops first: it refuses new connections at once and gives the requests in flight
/// up to <see cref="Timeout"/>. Then Wolverine gives the handlers in flight up to <see cref="DrainTimeout"/>, hands
/// every message it has not started back to the fleet, releases the leadership and deletes its node. Both waits
/// together, plus a second or two to stop the agents, must fit the orchestrator's grace period before its SIGKILL
/// (30 s in Kubernetes): the defaults leave about three seconds of it.
/// </summary>
public sealed class ShutdownOptions
{
    public const string Section = "Shutdown";

    /// <summary>The host's <c>HostOptions.ShutdownTimeout</c> (.NET's default is 30 s, the whole grace period alone).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Wolverine's <c>Durability.DrainTimeout</c> (30 s by default), counted after the requests are done.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Before anything stops: the node still serves, but <c>/health/ready</c> answers 503 <c>draining</c>, so the proxy
    /// (which asks every second) and an orchestrator's endpoints stop sending to it before its listener closes and a
    /// new connection would be refused. Zero closes the listener at once.
    /// </summary>
    public TimeSpan ReadinessDelay { get; set; } = TimeSpan.FromSeconds(2);
}

internal sealed class ShutdownOptionsValidation : IValidateOptions<ShutdownOptions>
{
    public ValidateOptionsResult Validate(string? name, ShutdownOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new ValidateOptionsResultBuilder();
        failures.RequirePositive("Shutdown:Timeout", options.Timeout, "requests in flight could not finish after SIGTERM");
        failures.RequirePositive("Shutdown:DrainTimeout", options.DrainTimeout, "messages in flight could not finish after SIGTERM");
        if (options.ReadinessDelay < TimeSpan.Zero)
        {
            failures.Fail("Shutdown:ReadinessDelay", $"is {SettingRules.Show(options.ReadinessDelay)}, negative",
                "the time to leave rotation before the listener closes cannot be negative");
        }

        return failures.Build();
    }
}

public static class ShutdownSetup
{
    public static IServiceCollection AddGracefulShutdown(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ShutdownOptions, ShutdownOptionsValidation>(configuration, ShutdownOptions.Section);
        services.AddHostedService<LeaveRotationFirst>();
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.Timeout);
        services.AddSingleton<IWolverineExtension, WolverineShutdown>();
        return services;
    }
}

/// <summary>
/// Wolverine's part of the stop (it applies the extensions registered in the container, so the settings are the
/// validated ones). A handler still running when the drain ends is cancelled as Wolverine stops; it commits
/// nothing. Its message must then be left alone: Wolverine's default for a failure no policy names is the dead
/// letters, where it would wait for an operator (or, a moment later, fail against a store already disposed).
/// Left alone, its inbox row stays owned by this node, whose row Wolverine has deleted by then, and the survivors'
/// orphan sweep hands it to one of them. This policy follows the ones in <c>EventStoreSetup</c>: a transient
/// fault or a conflict in those last moments keeps its own policy, which retries later and never dead-letters.
/// </summary>
internal sealed class WolverineShutdown(IOptions<ShutdownOptions> shutdown) : IWolverineExtension
{
    public void Configure(WolverineOptions options)
    {
        var durability = options.Durability;
        durability.DrainTimeout = shutdown.Value.DrainTimeout;
        options.Policies.OnException(_ => durability.Cancellation.IsCancellationRequested, "this host stopped while the handler ran")
            .CustomActionIndefinitely((_, _, _) => ValueTask.CompletedTask, "left for the fleet's orphan sweep");
    }
}

/// <summary>
/// The first step of a stop, before any service stops (the host runs every <see cref="IHostedLifecycleService.StoppingAsync"/>
/// before the first <c>StopAsync</c>, and Kestrel's is the first of those): <c>ApplicationStopping</c> has fired, so
/// readiness answers 503; the node keeps serving for <see cref="ShutdownOptions.ReadinessDelay"/> while the proxy and
/// the orchestrator take it out of rotation. Real time, not the injected clock: it waits on the world outside.
/// </summary>
internal sealed class LeaveRotationFirst(IOptions<ShutdownOptions> shutdown) : IHostedLifecycleService
{
    public Task StoppingAsync(CancellationToken cancellationToken) =>
        shutdown.Value.ReadinessDelay > TimeSpan.Zero ? Task.Delay(shutdown.Value.ReadinessDelay, cancellationToken) : Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
