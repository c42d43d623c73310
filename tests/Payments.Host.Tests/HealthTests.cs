using Alba;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>What a probe answered: its status code, body and <c>Cache-Control</c>.</summary>
internal sealed record ProbeAnswer(int Status, string Body, string CacheControl);

internal static class Probes
{
    public const string Ready =
        """{"status":"Healthy","checks":{"postgres":"Healthy","schema":"Healthy","wolverine_node":"Healthy","durability_agent":"Healthy","draining":"Healthy"}}""";

    public const string Live = """{"status":"Healthy","checks":{}}""";

    /// <summary>A probe as an orchestrator sends it: no API key.</summary>
    public static async Task<ProbeAnswer> Ask(this IAlbaHost host, string url)
    {
        var result = await host.Scenario(x =>
        {
            x.Get.Url(url);
            x.IgnoreStatusCode();
        });
        return new ProbeAnswer(result.Context.Response.StatusCode, await result.ReadAsTextAsync(),
            result.Context.Response.Headers.CacheControl.ToString());
    }

    /// <summary>
    /// Polls (bounded) until readiness answers 200: the fleet's leader assigns the durability agent a few seconds
    /// after a start, and a cleaned store makes the node write its row again at its next heartbeat.
    /// </summary>
    public static Task<ProbeAnswer> Ready200(this IAlbaHost host, TimeSpan timeout) =>
        Eventually.Until(() => host.Ask("/health/ready"), a => a.Status == StatusCodes.Status200OK, timeout);
}

public class when_the_host_is_running(AppFixture app) : HostTest(app)
{
    [Fact]
    public async Task live_answers_200_and_checks_nothing()
    {
        (await App.Host.Ask("/health/live")).ShouldBe(new ProbeAnswer(200, Probes.Live, "no-store"));
    }

    [Fact]
    public async Task ready_answers_200_with_every_readiness_check_healthy()
    {
        (await App.Host.Ready200(TimeSpan.FromSeconds(30))).ShouldBe(new ProbeAnswer(200, Probes.Ready, "no-store"));
    }

    [Fact]
    public async Task health_is_the_summary_of_every_check()
    {
        await App.Host.Ready200(TimeSpan.FromSeconds(30));

        (await App.Host.Ask("/health")).ShouldBe(new ProbeAnswer(200, Probes.Ready, "no-store"));
    }

    [Fact]
    public async Task probes_need_no_api_key_and_an_unknown_one_changes_nothing()
    {
        await App.Host.Ready200(TimeSpan.FromSeconds(30));

        foreach (var url in new[] { "/health/live", "/health/ready", "/health" })
        {
            await App.Host.Scenario(x =>
            {
                x.Get.Url(url);
                x.WithRequestHeader("Authorization", "Bearer pk_not_a_key_of_ours");
                x.StatusCodeShouldBeOk();
            });
        }
    }

    [Fact]
    public void probes_are_anonymous_and_never_rate_limited()
    {
        var probes = App.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is "/health" or "/health/live" or "/health/ready").ToList();

        probes.Select(e => e.RoutePattern.RawText).ShouldBe(["/health", "/health/live", "/health/ready"], ignoreOrder: true);
        probes.ShouldAllBe(e => e.Metadata.GetMetadata<IAllowAnonymous>() != null);
        probes.ShouldAllBe(e => e.Metadata.GetMetadata<DisableRateLimitingAttribute>() != null);
        probes.ShouldAllBe(e => e.Metadata.GetMetadata<IAuthorizeData>() == null);
    }
}

/// <summary>
/// A host of its own (its own schema, so the shared host is untouched): a missing table makes it unready, and once it
/// is told to stop it answers 503 "draining" on readiness while staying live.
/// </summary>
[Collection(SharedHost.Name)]
public sealed class when_a_host_loses_a_table_or_is_told_to_stop(PostgresDatabase database) : IAsyncLifetime
{
    private const string Schema = "health_probes_host";
    private IAlbaHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"drop schema if exists {Schema} cascade", connection);
            await drop.ExecuteNonQueryAsync();
        }

        // Program.cs reads the schema while building; this collection builds one host at a time (see AppFixture).
        Environment.SetEnvironmentVariable("EventStore__Schema", Schema);
        try
        {
            _host = await AlbaHost.For<Program>(x => x.ConfigureLogging(logging => logging.ClearProviders()));
        }
        finally
        {
            Environment.SetEnvironmentVariable("EventStore__Schema", null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task a_missing_table_makes_it_unready_until_the_table_is_back()
    {
        await _host.Ready200(TimeSpan.FromSeconds(60));

        await Rename("rate_limit_windows", "rate_limit_windows_gone");
        try
        {
            (await _host.Ask("/health/ready")).ShouldBe(new ProbeAnswer(503,
                """{"status":"Unhealthy","checks":{"postgres":"Healthy","schema":"Unhealthy","wolverine_node":"Healthy","durability_agent":"Healthy","draining":"Healthy"}}""",
                "no-store"));
        }
        finally
        {
            await Rename("rate_limit_windows_gone", "rate_limit_windows");
        }

        (await _host.Ask("/health/ready")).ShouldBe(new ProbeAnswer(200, Probes.Ready, "no-store"));
    }

    [Fact]
    public async Task once_stopping_ready_answers_503_draining_and_live_stays_200()
    {
        await _host.Ready200(TimeSpan.FromSeconds(60));

        _host.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        (await _host.Ask("/health/ready")).ShouldBe(new ProbeAnswer(503,
            """{"status":"Unhealthy","checks":{"postgres":"Healthy","schema":"Healthy","wolverine_node":"Healthy","durability_agent":"Healthy","draining":"Unhealthy"}}""",
            "no-store"));
        (await _host.Ask("/health/live")).ShouldBe(new ProbeAnswer(200, Probes.Live, "no-store"));
    }

    private async Task Rename(string table, string to)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var rename = new NpgsqlCommand($"alter table {Schema}.{table} rename to {to}", connection);
        await rename.ExecuteNonQueryAsync();
    }
}
