using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace Payments.Proxy;

/// <summary>The section <c>Proxy</c>.</summary>
public sealed class ProxyOptions
{
    public const string Section = "Proxy";

    /// <summary>The nodes' base URLs (<c>Proxy__Backends__0=http://127.0.0.1:5081</c>, …); destination i is <c>node{i+1}</c>.</summary>
    public IReadOnlyList<string> Backends { get; set; } = [];

    /// <summary>How often each node's <c>/health</c> is asked; two failed answers in a row take it out of rotation.</summary>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// A round-robin reverse proxy in front of N identical nodes. Active health checks (<c>GET /health</c>) take a node out
/// within about two intervals of its death and bring it back at its first good answer; passive ones take a node out at
/// once when a request cannot reach it, for <see cref="Reactivation"/>. Tests build it the same way.
/// </summary>
public static class ProxyApp
{
    public const string ClusterId = "fleet";

    /// <summary>How long a node that refused a request stays out before it is tried again.</summary>
    public static readonly TimeSpan Reactivation = TimeSpan.FromSeconds(5);

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        configure?.Invoke(builder);

        var options = builder.Configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>() ?? new ProxyOptions();
        if (options.Backends.Count == 0)
        {
            throw new InvalidOperationException("Proxy:Backends is empty: give the nodes' URLs (Proxy__Backends__0=http://127.0.0.1:5081, …).");
        }

        var cluster = new ClusterConfig
        {
            ClusterId = ClusterId,
            LoadBalancingPolicy = Yarp.ReverseProxy.LoadBalancing.LoadBalancingPolicies.RoundRobin,
            Destinations = options.Backends
                .Select((url, i) => (Id: $"node{i + 1}", Destination: new DestinationConfig { Address = url }))
                .ToDictionary(d => d.Id, d => d.Destination),
            HealthCheck = new HealthCheckConfig
            {
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = options.HealthInterval,
                    // A killed node refuses at once; the timeout only catches a hung one, and a busy one gets some slack.
                    Timeout = options.HealthInterval * 2,
                    Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                    Path = "/health",
                },
                Passive = new PassiveHealthCheckConfig
                {
                    Enabled = true,
                    Policy = HealthCheckConstants.PassivePolicy.TransportFailureRate,
                    ReactivationPeriod = Reactivation,
                },
            },
        };
        var route = new RouteConfig { RouteId = "everything", ClusterId = ClusterId, Match = new RouteMatch { Path = "{**path}" } };

        builder.Services.AddReverseProxy().LoadFromMemory([route], [cluster]);
        // A node that refuses a connection is down, not noisy: one failed request out of the window's few is enough
        // (a node with many good answers still needs more than 30 % failures).
        builder.Services.Configure<TransportFailureRateHealthPolicyOptions>(o => o.MinimalTotalCountThreshold = 1);

        var app = builder.Build();
        app.MapReverseProxy();
        return app;
    }
}
