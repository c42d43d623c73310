using Microsoft.Extensions.Diagnostics.HealthChecks;
using Wolverine.Runtime;

namespace Payments.Host.Health;

/// <summary>
/// <c>wolverine_node</c>: this node's Wolverine runtime runs and the fleet counts it as a member — its row is in
/// Wolverine's node table (<c>INodeAgentPersistence</c>). The row is written when the runtime starts, refreshed by
/// its heartbeat (re-written if a leader deleted it), deleted when the runtime stops or when the leader declares the
/// node dead; so its presence is the fleet's own verdict, not a second definition of "alive" next to it
/// (docs/architecture.md, "Health probes").
/// </summary>
internal sealed class WolverineNodeHealthCheck(IWolverineRuntime runtime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (runtime.Cancellation.IsCancellationRequested)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("the Wolverine runtime is stopping"));
        }

        return HealthEndpoints.Bounded(
            async token => await runtime.Storage.Nodes.LoadNodeAsync(runtime.Options.UniqueNodeId, token) is not null,
            "this node is not registered in the fleet", cancellationToken);
    }
}

/// <summary>
/// <c>durability_agent</c>: the durability agent of our message store (<c>wolverinedb://…</c>: recovers a dead node's
/// messages, replays dead letters marked replayable) is assigned to a registered node of the fleet. In
/// <c>DurabilityMode.Balanced</c> it runs on one node the leader chooses, so this asks the fleet's assignment table,
/// not this process: every node answers the same. An assignment dies with its node's row (a cascading key), so a
/// node killed -9 keeps its agent until the leader declares it dead (<c>Fleet:StaleNodeTimeout</c>) and moves the
/// agent in the same evaluation; only the moment of the move (about a second) and a fleet with no leader fail here.
/// </summary>
internal sealed class DurabilityAgentHealthCheck(IWolverineRuntime runtime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        HealthEndpoints.Bounded(async token =>
        {
            var agent = runtime.Storage.Uri;
            var nodes = await runtime.Storage.Nodes.LoadAllNodesAsync(token);
            return nodes.Any(n => n.ActiveAgents.Contains(agent));
        }, "the durability agent is assigned to no node", cancellationToken);
}

/// <summary>
/// <c>draining</c>: the host has not been asked to stop. From the moment <c>ApplicationStopping</c> fires the node
/// answers 503 on <c>/health/ready</c>, so the proxy or the orchestrator stops sending it work while it finishes what
/// it has.
/// </summary>
internal sealed class DrainingHealthCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("draining: the host is stopping")
            : HealthCheckResult.Healthy());
}
