using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.RateLimits;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// Two nodes of the service on one database and schema, as a fleet behind a proxy would be: the write limit
/// (<c>RateLimits:PermitsPerWindow</c> = 3 per hour here) is one budget per API key for the fleet, not one per node
/// (docs/architecture.md, "Rate limits").
/// </summary>
public sealed class when_two_nodes_take_writes_from_the_same_keys(PostgresDatabase database) : IAsyncLifetime
{
    private const string Schema = "e2e_fleet_limits";
    private static readonly TimeSpan Window = TimeSpan.FromHours(1);

    // Both nodes stand one second into a fresh window, so no window ends while a test runs.
    private readonly WindowStartClock _clock = new(Window);
    private Wired _e2e = null!;
    private Node _second = null!;
    private HttpClient _merchantOnSecond = null!;

    public async ValueTask InitializeAsync()
    {
        _e2e = await Wired.StartAsync(database, Schema, new Dictionary<string, string?>
        {
            ["RateLimits:PermitsPerWindow"] = "3",
            ["RateLimits:Window"] = "01:00:00",
        }, services: UseClock);
        _second = _e2e.StartNode(UseClock);
        _merchantOnSecond = Wired.ClientOf(_second.Url, Wired.MerchantKey);
    }

    public async ValueTask DisposeAsync()
    {
        await Sql($"drop trigger if exists inject_fault on {Schema}.{FleetWindows.TableName}");
        _merchantOnSecond.Dispose();
        await _second.DisposeAsync();
        await _e2e.DisposeAsync();
    }

    private void UseClock(IServiceCollection services)
    {
        services.RemoveAll<TimeProvider>();
        services.AddSingleton<TimeProvider>(_clock);
    }

    private async Task<T> Sql<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private async Task Sql(string sql) => await Sql<object?>(sql + "; select null");

    private static async Task<(HttpStatusCode Status, string? Code, TimeSpan? RetryAfter)> Create(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/payments", Wired.PaymentBody());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var code = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("code", out var c) ? c.GetString() : null;
        return (response.StatusCode, code, response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task writes_alternated_between_the_nodes_get_three_creates_then_429_with_retry_after()
    {
        var answers = new List<(HttpStatusCode Status, string? Code, TimeSpan? RetryAfter)>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await Create(i % 2 == 0 ? _e2e.Service : _second.Client));
        }

        answers.Select(a => a.Status).ShouldBe([
            HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created,
            HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests]);
        foreach (var refused in answers.Skip(3))
        {
            refused.Code.ShouldBe("rate_limited");
            // The time left in the window, which the nodes entered a second after it started.
            refused.RetryAfter!.Value.ShouldBeInRange(Window - TimeSpan.FromMinutes(1), Window);
        }

        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(3);
    }

    [Fact]
    public async Task a_refund_posted_from_the_console_spends_the_same_budget_and_reading_pages_does_not()
    {
        for (var i = 0; i < 3; i++)
        {
            (await Create(_merchantOnSecond)).Status.ShouldBe(HttpStatusCode.Created);
        }

        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(_e2e.ServiceUrl) };
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html");
        var signIn = await browser.GetStringAsync(new Uri("/console/sign-in", UriKind.Relative));
        using (var signedIn = await browser.PostAsync(new Uri("/console/sign-in", UriKind.Relative), new FormUrlEncodedContent(
                   new Dictionary<string, string> { ["apiKey"] = Wired.MerchantKey, ["__csrf"] = ConsoleForms.Token(signIn) })))
        {
            signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        }

        var id = Guid.CreateVersion7();
        using var page = await browser.GetAsync(new Uri($"/console/payments/{id}", UriKind.Relative));
        page.StatusCode.ShouldBe(HttpStatusCode.NotFound, "reading is not counted: an unknown payment's page, not 429");
        var form = await browser.GetStringAsync(new Uri("/console/payments", UriKind.Relative));
        using var refund = await browser.PostAsync(new Uri($"/console/payments/{id}?handler=Refund", UriKind.Relative), new FormUrlEncodedContent(
            new Dictionary<string, string> { ["__csrf"] = ConsoleForms.Token(form), ["amount"] = "0.100", ["idempotencyKey"] = Guid.NewGuid().ToString() }));

        refund.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        refund.Headers.RetryAfter!.Delta!.Value.ShouldBeInRange(Window - TimeSpan.FromMinutes(1), Window);
    }

    [Fact]
    public async Task another_api_key_has_a_budget_of_its_own()
    {
        var admin = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            admin.Add((await Create(_e2e.Service)).Status);
        }

        var merchant = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            merchant.Add((await Create(_merchantOnSecond)).Status);
        }

        admin.ShouldBe([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests]);
        merchant.ShouldBe([HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.Created, HttpStatusCode.TooManyRequests]);
    }

    [Fact]
    public async Task the_counters_table_exists_after_start_up_unlogged_in_the_service_schema()
    {
        var persistence = await Sql<char>($"""
            select c.relpersistence from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = '{Schema}' and c.relname = '{FleetWindows.TableName}'
            """);

        persistence.ShouldBe('u');
    }

    [Fact]
    public async Task a_database_failure_while_counting_is_503_service_unavailable_and_creates_nothing()
    {
        // The upsert fails as a statement does while PostgreSQL shuts down (57P01).
        await Sql($"""
            create or replace function {Schema}.inject_fault() returns trigger language plpgsql as $$
            begin raise exception 'injected: terminating connection due to administrator command' using errcode = '57P01'; end $$;
            create trigger inject_fault before insert on {Schema}.{FleetWindows.TableName}
              for each row execute function {Schema}.inject_fault()
            """);

        var failed = await Create(_second.Client);
        await Sql($"drop trigger inject_fault on {Schema}.{FleetWindows.TableName}");
        var retried = await Create(_second.Client);

        failed.Status.ShouldBe(HttpStatusCode.ServiceUnavailable);
        failed.Code.ShouldBe("service_unavailable");
        failed.RetryAfter.ShouldBe(TimeSpan.FromSeconds(Payments.Host.Edge.HttpErrors.RetryAfterSeconds));
        retried.Status.ShouldBe(HttpStatusCode.Created);
        (await _e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(1);
    }

    /// <summary>The real clock, moved forward to one second after the start of the next window; timers run as ever.</summary>
    private sealed class WindowStartClock(TimeSpan window) : TimeProvider
    {
        private readonly TimeSpan _offset = FleetWindows.WindowStart(System.GetUtcNow(), window) + window + TimeSpan.FromSeconds(1) - System.GetUtcNow();

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + _offset;
    }
}
