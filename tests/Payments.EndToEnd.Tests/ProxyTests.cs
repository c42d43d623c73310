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
/// <c>src/Payments.Proxy</c> in front of two stand-in nodes (Kestrel on loopback ports, a <c>/health</c> and a route
/// that says which node answered): round robin while both are up; a stopped node gets no request once its health
/// check has failed, and after one request it could not take, none more.
/// </summary>
public sealed class when_the_proxy_fronts_two_nodes : IAsyncLifetime
{
    private readonly WebApplication _node1 = Backend("node1");
    private readonly WebApplication _node2 = Backend("node2");
    private WebApplication _proxy = null!;
    private HttpClient _client = null!;

    public async ValueTask InitializeAsync()
    {
        await _node1.StartAsync();
        await _node2.StartAsync();
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
                ["Proxy:Backends:0"] = _node1.Urls.Single(),
                ["Proxy:Backends:1"] = _node2.Urls.Single(),
                ["Proxy:HealthInterval"] = healthInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            });
        });
        await _proxy.StartAsync();
        _client = new HttpClient { BaseAddress = new Uri(_proxy.Urls.Single()) };
    }

    public async ValueTask DisposeAsync()
    {
        _client?.Dispose();
        foreach (var app in new[] { _proxy, _node1, _node2 }.Where(a => a is not null))
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static WebApplication Backend(string name)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/health", () => Results.Ok());
        app.MapGet("/who", () => Results.Text(name));
        return app;
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
        await _node2.StopAsync();

        // Two failed health checks in a row, one a second.
        await Eventually.Until(() => Task.FromResult(ActiveHealthOf("node2")), h => h == DestinationHealth.Unhealthy, TimeSpan.FromSeconds(5));
        var answers = await Send(10);

        answers.ShouldAllBe(a => a.Status == HttpStatusCode.OK && a.Node == "node1");
    }

    [Fact]
    public async Task before_any_health_check_fails_one_refused_request_takes_the_node_out()
    {
        // Health checks too rare to notice: only the passive check can see the node go.
        await StartProxyAsync(TimeSpan.FromMinutes(10));
        await _node2.StopAsync();

        var answers = await Send(10);

        answers.Count(a => a.Status == HttpStatusCode.BadGateway).ShouldBe(1);
        answers.Where(a => a.Status != HttpStatusCode.BadGateway).ShouldAllBe(a => a.Status == HttpStatusCode.OK && a.Node == "node1");
        answers.Count(a => a.Status == HttpStatusCode.OK).ShouldBe(9);
    }
}
