extern alias proxy;

using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using proxy::Payments.Proxy;
using Shouldly;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// <c>src/Payments.Proxy</c> in front of two stand-in nodes (Kestrel on loopback ports, a <c>/health/ready</c> and a
/// route that says which node answered): round robin while both are up; a stopped node gets no request once its
/// health check has failed, and after one request it could not take, none more; a node that answers "not ready"
/// (draining) leaves rotation at its first such answer and comes back at its first good one; when no node is ready,
/// requests still go to them all.
/// </summary>
public sealed class when_the_proxy_fronts_two_nodes : IAsyncLifetime
{
    private readonly StandIn _node1 = new("node1");
    private readonly StandIn _node2 = new("node2");
    private WebApplication _proxy = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        await _node1.App.StartAsync();
        await _node2.App.StartAsync();
    }

    /// <summary>The proxy over both nodes, asking their health every <paramref name="healthInterval"/>.</summary>
    private async Task StartProxyAsync(TimeSpan healthInterval)
    {
        _proxy = ProxyApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Proxy:Backends:0"] = _node1.App.Urls.Single(),
                ["Proxy:Backends:1"] = _node2.App.Urls.Single(),
                ["Proxy:HealthInterval"] = healthInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            });
        });
        await _proxy.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_proxy.Urls.Single()) };
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        foreach (var app in new[] { _proxy, _node1.App, _node2.App }.Where(a => a is not null))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>
    /// A node: <c>/health/ready</c> answers 200, or 503 while <see cref="Ready"/> is false; at each 503 it notes what the
    /// proxy thought of it at that moment (<see cref="Observe"/>).
    /// </summary>
    private sealed class StandIn
    {
        private readonly Lock _gate = new();
        private readonly List<DestinationHealth> _seenAtNotReady = [];

        public StandIn(string name)
        {
            var builder = WebApplication.CreateBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            App = builder.Build();
            App.MapGet("/health/ready", () =>
            {
                if (Ready)
                {
                    return Results.Ok();
                }

                lock (_gate)
                {
                    _seenAtNotReady.Add(Observe?.Invoke() ?? DestinationHealth.Unknown);
                }

                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            });
            App.MapGet("/who", () => Results.Text(name));
        }

        public WebApplication App { get; }

        public volatile bool Ready = true;

        public Func<DestinationHealth>? Observe { get; set; }

        /// <summary>The proxy's view of this node when each 503 was asked for (before the proxy read it).</summary>
        public IReadOnlyList<DestinationHealth> SeenAtNotReady
        {
            get
            {
                lock (_gate)
                {
                    return [.. _seenAtNotReady];
                }
            }
        }
    }

    private async Task<List<(HttpStatusCode Status, string Node)>> Send(int requests)
    {
        var answers = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < requests; i++)
        {
            using var response = await _client.GetAsync("/who");
            answers.Add((response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        return answers;
    }

    private DestinationHealth ActiveHealthOf(string node)
    {
        _proxy.Services.GetRequiredService<IProxyStateLookup>().TryGetCluster(ProxyApp.ClusterId, out var cluster).ShouldBeTrue();
        return cluster.Destinations[node].Health.Active;
    }

    [Fact]
    public async Task with_both_nodes_up_requests_take_turns()
    {
        await StartProxyAsync(TimeSpan.FromSeconds(1));

        var answers = await Send(10);

        answers.ShouldAllBe(a => a.Status == HttpStatusCode.OK);
        answers.Count(a => a.Node == "node1").ShouldBe(5);
        answers.Count(a => a.Node == "node2").ShouldBe(5);
        answers.Zip(answers.Skip(1)).ShouldAllBe(pair => pair.First.Node != pair.Second.Node);
    }

    [Fact]
    public async Task a_stopped_node_is_out_of_rotation_within_seconds_and_every_request_reaches_the_live_one()
    {
        await StartProxyAsync(TimeSpan.FromSeconds(1));
        await _node2.App.StopAsync();

        // One failed health check; one a second.
        await Eventually.Until(() => Task.FromResult(ActiveHealthOf("node2")), h => h == DestinationHealth.Unhealthy, TimeSpan.FromSeconds(5));
        var answers = await Send(10);

        answers.ShouldAllBe(a => a.Status == HttpStatusCode.OK && a.Node == "node1");
    }

    [Fact]
    public async Task before_any_health_check_fails_one_refused_request_takes_the_node_out()
    {
        // Health checks too rare to notice: only the passive check can see the node go.
        await StartProxyAsync(TimeSpan.FromMinutes(10));
        await _node2.App.StopAsync();

        var answers = await Send(10);

        answers.Count(a => a.Status == HttpStatusCode.BadGateway).ShouldBe(1);
        answers.Where(a => a.Status != HttpStatusCode.BadGateway).ShouldAllBe(a => a.Status == HttpStatusCode.OK && a.Node == "node1");
        answers.Count(a => a.Status == HttpStatusCode.OK).ShouldBe(9);
    }

    [Fact]
    public async Task a_node_that_answers_not_ready_leaves_rotation_at_its_first_such_answer_and_returns_at_its_first_good_one()
    {
        await StartProxyAsync(TimeSpan.FromMilliseconds(300));
        await Eventually.Until(() => Task.FromResult(ActiveHealthOf("node2")), h => h == DestinationHealth.Healthy, TimeSpan.FromSeconds(10));
        _node2.Observe = () => ActiveHealthOf("node2");

        _node2.Ready = false;
        var seen = await Eventually.Until(() => Task.FromResult(_node2.SeenAtNotReady), s => s.Count >= 2, TimeSpan.FromSeconds(10));

        // The first 503 was asked for while the node was in rotation; by the second probe that one answer had taken it out.
        seen.Take(2).ShouldBe([DestinationHealth.Healthy, DestinationHealth.Unhealthy]);
        (await Send(6)).ShouldAllBe(a => a.Status == HttpStatusCode.OK && a.Node == "node1");

        _node2.Ready = true;
        await Eventually.Until(() => Task.FromResult(ActiveHealthOf("node2")), h => h == DestinationHealth.Healthy, TimeSpan.FromSeconds(10));
        (await Send(4)).Select(a => a.Node).ShouldBe(["node1", "node2", "node1", "node2"], ignoreOrder: true);
    }

    [Fact]
    public async Task when_every_node_answers_not_ready_requests_still_reach_them_instead_of_a_proxy_refusal()
    {
        await StartProxyAsync(TimeSpan.FromMilliseconds(300));
        _node1.Ready = false;
        _node2.Ready = false;
        await Eventually.Until(() => Task.FromResult((ActiveHealthOf("node1"), ActiveHealthOf("node2"))),
            h => h == (DestinationHealth.Unhealthy, DestinationHealth.Unhealthy), TimeSpan.FromSeconds(10));

        var answers = await Send(4);

        answers.ShouldAllBe(a => a.Status == HttpStatusCode.OK);
        answers.Select(a => a.Node).ShouldBe(["node1", "node2", "node1", "node2"], ignoreOrder: true);
    }
}

/// <summary>The proxy checks its settings when it starts: no node, a node that is not a URL, no health interval.</summary>
public sealed class when_the_proxy_starts_with_bad_settings
{
    private static async Task<IReadOnlyList<string>> Failures(Dictionary<string, string?> settings)
    {
        await using var proxy = ProxyApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(settings);
        });
        var refused = await Should.ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => proxy.StartAsync(TestContext.Current.CancellationToken));
        return [.. refused.Failures];
    }

    [Fact]
    public async Task start_up_fails_naming_every_bad_setting()
    {
        (await Failures([])).ShouldBe([
            "Proxy:Backends is empty: there is no node to send requests to (environment: Proxy__Backends__0, Proxy__Backends__1, …).",
        ]);
        (await Failures(new() { ["Proxy:Backends:0"] = "http://127.0.0.1:5081", ["Proxy:Backends:1"] = "127.0.0.1:5082", ["Proxy:HealthInterval"] = "00:00:00" }))
            .ShouldBe([
                "Proxy:Backends:1 is '127.0.0.1:5082', not an absolute http(s) URL: no request could reach that node (environment: Proxy__Backends__1).",
                "Proxy:HealthInterval is 00:00:00, not a positive time: a dead node would never be taken out of rotation (environment: Proxy__HealthInterval).",
            ]);
    }
}
