using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;

namespace Payments.Proxy;

/// <summary>The section <c>Proxy</c>.</summary>
public sealed class ProxyOptions
{
    public const string Section = "Proxy";

    /// <summary>The nodes' base URLs (<c>Proxy__Backends__0=http://127.0.0.1:5081</c>, …); destination i is <c>node{i+1}</c>.</summary>
    public IReadOnlyList<string> Backends { get; set; } = [];

    /// <summary>How often each node's <c>/health/ready</c> is asked; one failed answer takes it out of rotation.</summary>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Checked when the proxy starts (ValidateOnStart), each failure naming the setting and its environment form.</summary>
public sealed class ProxyOptionsValidation : IValidateOptions<ProxyOptions>
{
    private const string S = ProxyOptions.Section;

    public ValidateOptionsResult Validate(string? name, ProxyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new ValidateOptionsResultBuilder();
        if (options.Backends.Count == 0)
        {
            failures.AddError($"{S}:Backends is empty: there is no node to send requests to (environment: {S}__Backends__0, {S}__Backends__1, …).");
        }

        for (var i = 0; i < options.Backends.Count; i++)
        {
            var backend = options.Backends[i];
            if (!(Uri.TryCreate(backend, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            {
                failures.AddError($"{S}:Backends:{i} is '{backend}', not an absolute http(s) URL: no request could reach that node (environment: {S}__Backends__{i}).");
            }
        }

        if (options.HealthInterval <= TimeSpan.Zero)
        {
            failures.AddError($"{S}:HealthInterval is {options.HealthInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture)}, not a "
                              + $"positive time: a dead node would never be taken out of rotation (environment: {S}__HealthInterval).");
        }

        return failures.Build();
    }
}

/// <summary>
/// A round-robin reverse proxy in front of N identical nodes. Active health checks (<c>GET /health/ready</c>) take a
/// node out at its first failed answer — within one interval of its death, or of it starting to drain — and bring it
/// back at its first good answer; passive ones take a node out at once when a request cannot reach it, for
/// <see cref="Reactivation"/>. Tests build it the same way.
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

        builder.Services.AddOptions<ProxyOptions>().Bind(builder.Configuration.GetSection(ProxyOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidation>();

        // YARP's cluster is built here, before the container exists, from the same settings; an invalid one is not handed
        // to it (an empty cluster is), and the start is refused with the failures of the check above.
        var options = builder.Configuration.GetSection(ProxyOptions.Section).Get<ProxyOptions>() ?? new ProxyOptions();
        if (!new ProxyOptionsValidation().Validate(null, options).Succeeded)
        {
            options = new ProxyOptions();
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
                // Every node not ready at once (the database is away, or the fleet is moving its durability agent for a
                // second): send to all of them rather than refuse at the proxy — they serve, or answer 503 with
                // Retry-After themselves. YARP's default; stated because readiness makes it matter.
                AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
                Active = new ActiveHealthCheckConfig
                {
                    Enabled = true,
                    Interval = options.HealthInterval,
                    // A killed node refuses at once; the timeout only catches a hung one, and a busy one gets some slack.
                    Timeout = options.HealthInterval * 2,
                    Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                    // Readiness, not the summary: a node that drains or loses its database says so here
                    // (docs/architecture.md, "Health probes").
                    Path = "/health/ready",
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
        // A node that answers "not ready" means it (it is draining, or its database is away): believe the first answer.
        builder.Services.Configure<ConsecutiveFailuresHealthPolicyOptions>(o => o.DefaultThreshold = 1);

        var app = builder.Build();
        app.MapReverseProxy();
        return app;
    }
}
