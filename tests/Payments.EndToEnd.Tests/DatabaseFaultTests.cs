using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Npgsql;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// Our own PostgreSQL fails on purpose, for real (docs/architecture.md, "Faults"): a statement fails at one exact step,
/// every connection is terminated while webhooks are applied, the pool is two connections under sixteen merchants.
/// Nothing acknowledged is lost, nothing is done twice, nothing answers 500, every retry gets the true answer.
/// </summary>
public sealed class when_our_database_fails_after_checkout_refunded(PostgresDatabase database) : IAsyncLifetime
{
    private const string Schema = "e2e_db_fault_refund";
    private Wired _e2e = null!;
    private Guid _id;
    private string _checkoutId = "";

    public async ValueTask InitializeAsync()
    {
        _e2e = await Wired.StartAsync(database, Schema);
        var (id, redirect) = await _e2e.CreatePaymentAsync();
        await _e2e.PayOnKnetPageAsync(redirect);
        var captured = await Eventually.Until(() => _e2e.GetPaymentAsync(id),
            p => p.GetProperty("status").GetString() == "Captured" && p.GetProperty("knet").ValueKind == JsonValueKind.Object);
        _id = id;
        _checkoutId = captured.GetProperty("checkoutPaymentId").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await Sql($"drop trigger if exists inject_fault on {Schema}.mt_doc_idempotencyrecord");
        await _e2e.DisposeAsync();
    }

    private async Task Sql(string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> Refund(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/payments/{_id}/refunds") { Content = JsonContent.Create(new { amount = 300 }) };
        request.Headers.Add("Idempotency-Key", key);
        var response = await _e2e.Service.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(), response);
    }

    private async Task<int> RefundsAtCheckout()
    {
        var actions = await _e2e.Sandbox.GetFromJsonAsync<JsonElement>($"/payments/{_checkoutId}/actions");
        return actions.EnumerateArray().Count(a => a.GetProperty("type").GetString() == "Refund");
    }

    [Fact]
    public async Task the_merchants_retry_with_the_same_key_gets_the_refund_checkout_made()
    {
        // The answer cannot be stored: PostgreSQL fails that one statement as it does when shutting down (57P01),
        // after the reservation is stored and Checkout.com has made the refund.
        await Sql($"""
            create or replace function {Schema}.inject_fault() returns trigger language plpgsql as $$
            begin raise exception 'injected: terminating connection due to administrator command' using errcode = '57P01'; end $$;
            create trigger inject_fault before update on {Schema}.mt_doc_idempotencyrecord
              for each row when (new.data ->> 'State' = 'Completed') execute function {Schema}.inject_fault();
            """);

        var (failed, problem, first) = await Refund("refund-after-fault");

        failed.ShouldBe(HttpStatusCode.ServiceUnavailable);
        problem.GetProperty("code").GetString().ShouldBe("service_unavailable");
        first.Headers.RetryAfter.ShouldNotBeNull();
        (await RefundsAtCheckout()).ShouldBe(1);

        await Sql($"drop trigger inject_fault on {Schema}.mt_doc_idempotencyrecord");
        var (retried, answer, _) = await Refund("refund-after-fault");
        var (replayed, again, _) = await Refund("refund-after-fault");

        retried.ShouldBe(HttpStatusCode.Accepted);
        answer.GetProperty("amount").GetInt64().ShouldBe(300);
        answer.GetProperty("status").GetString().ShouldBeOneOf("Pending", "Succeeded");
        replayed.ShouldBe(HttpStatusCode.Accepted);
        again.GetProperty("refundId").GetGuid().ShouldBe(answer.GetProperty("refundId").GetGuid());
        var stream = await _e2e.StreamAsync(_id);
        stream.Where(e => e.Data is Payments.Domain.RefundRequested).Select(e => ((Payments.Domain.RefundRequested)e.Data).RefundId)
            .ShouldBe([answer.GetProperty("refundId").GetGuid()]);
        (await RefundsAtCheckout()).ShouldBe(1);
    }
}

/// <summary>Merchants that do what a 503 with Retry-After asks: try again with the same Idempotency-Key.</summary>
internal static class Merchant
{
    public static async Task<(HttpStatusCode Status, JsonElement Body, List<HttpStatusCode> Seen)> SendUntilAnsweredAsync(
        HttpClient client, HttpMethod method, string url, object? body, string key)
    {
        var seen = new List<HttpStatusCode>();
        var giveUp = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(90);
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (true)
        {
            using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await client.SendAsync(request);
            seen.Add(response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            var retry = response.StatusCode == HttpStatusCode.ServiceUnavailable
                        || response.StatusCode == HttpStatusCode.Conflict && text.Contains("idempotency_key_in_use", StringComparison.Ordinal);
            if (!retry || DateTimeOffset.UtcNow > giveUp)
            {
                return (response.StatusCode, JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone(), seen);
            }

            await pace.WaitForNextTickAsync();
        }
    }

    /// <summary>
    /// The fault: every connection named <paramref name="applicationName"/> terminated (as pg_terminate_backend does on a
    /// failover), every 150 ms, forty times or until the purchases are done. Returns how many were terminated.
    /// </summary>
    public static async Task<long> TerminateConnectionsWhileAsync<T>(PostgresDatabase database, string applicationName, IReadOnlyList<Task<T>> purchases)
    {
        var terminated = 0L;
        await using var admin = new NpgsqlConnection(database.ConnectionString);
        await admin.OpenAsync();
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(150));
        for (var i = 0; i < 40 && !purchases.All(p => p.IsCompleted); i++)
        {
            await using var kill = new NpgsqlCommand(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = @name", admin);
            kill.Parameters.AddWithValue("name", applicationName);
            terminated += (long)(await kill.ExecuteScalarAsync())!;
            await pace.WaitForNextTickAsync();
        }

        return terminated;
    }

    /// <summary>The payment as the back office reads it; a 503 (the database away) reads as "not there yet".</summary>
    public static async Task<JsonElement> ReadAsync(Wired e2e, Guid id)
    {
        using var response = await e2e.Service.GetAsync($"/payments/{id}");
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            return JsonDocument.Parse("""{"status":"unavailable","knet":null,"refundedAmount":-1}""").RootElement.Clone();
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>
    /// One customer's whole purchase: create, pay on the KNET page, wait for the capture, then <paramref name="refunds"/>
    /// concurrent refunds of 0.100 KWD, each with its own key.
    /// </summary>
    /// <remarks>
    /// With <paramref name="nodes"/>, the purchase and each refund go to different nodes of a fleet.
    /// </remarks>
    public static async Task<(Guid Id, List<HttpStatusCode> Seen)> BuyAndRefundAsync(
        Wired e2e, int n, int refunds, IReadOnlyList<HttpClient>? nodes = null)
    {
        HttpClient Via(int turn) => nodes is { Count: > 0 } ? nodes[turn % nodes.Count] : e2e.Service;
        var (created, payment, seenCreate) = await SendUntilAnsweredAsync(Via(n), HttpMethod.Post, "/payments",
            Wired.PaymentBody(1000, $"ORD-FAULT-{n}"), $"create-{n}");
        created.ShouldBe(HttpStatusCode.Created, payment.ToString());
        var id = payment.GetProperty("id").GetGuid();
        await e2e.PayOnKnetPageAsync(payment.GetProperty("redirectUrl").GetString()!);
        await Eventually.Until(() => ReadAsync(e2e, id), p => p.GetProperty("status").GetString() == "Captured", TimeSpan.FromSeconds(90));
        var answers = await Task.WhenAll(Enumerable.Range(0, refunds).Select(r => SendUntilAnsweredAsync(
            Via(n + 1 + r), HttpMethod.Post, $"/payments/{id}/refunds", new { amount = 100 }, $"refund-{n}-{r}")));
        answers.ShouldAllBe(a => a.Status == HttpStatusCode.Accepted);
        return (id, [.. seenCreate, .. answers.SelectMany(a => a.Seen)]);
    }

    /// <summary>Every merchant and webhook answer was a real one or a 503 to retry; each payment is whole and alone.</summary>
    public static async Task ShouldBeExactlyOnceAsync(Wired e2e, IReadOnlyList<(Guid Id, List<HttpStatusCode> Seen)> purchases, int refunds)
    {
        purchases.SelectMany(p => p.Seen).ShouldAllBe(s => (int)s < 500 || s == HttpStatusCode.ServiceUnavailable);
        foreach (var (id, _) in purchases)
        {
            var settled = await Eventually.Until(() => ReadAsync(e2e, id),
                p => p.GetProperty("status").GetString() == "PartiallyRefunded" && p.GetProperty("knet").ValueKind == JsonValueKind.Object
                     && p.GetProperty("refundedAmount").GetInt64() == 100 * refunds,
                TimeSpan.FromSeconds(90));
            settled.GetProperty("refundedAmount").GetInt64().ShouldBe(100 * refunds);
            var stream = await e2e.StreamAsync(id);
            stream.Count(e => e.Data is Payments.Domain.PaymentCaptured).ShouldBe(1);
            stream.Count(e => e.Data is Payments.Domain.RefundRequested).ShouldBe(refunds);
            stream.Count(e => e.Data is Payments.Domain.RefundSucceeded).ShouldBe(refunds);
            stream.ShouldNotContain(e => e.Data is Payments.Domain.PaymentFlaggedForReview);
            var checkoutId = settled.GetProperty("checkoutPaymentId").GetString()!;
            var actions = await e2e.Sandbox.GetFromJsonAsync<JsonElement>($"/payments/{checkoutId}/actions");
            actions.EnumerateArray().Count(a => a.GetProperty("type").GetString() == "Refund").ShouldBe(refunds);
        }

        // Checkout.com holds one payment per purchase, no more.
        (await e2e.CheckoutPaymentsAsync()).GetArrayLength().ShouldBe(purchases.Count);

        // Every webhook Checkout.com was answered 200 for is stored and applied once; none waits, none answered 500.
        var deliveries = await Eventually.Until(
            () => e2e.Sandbox.GetFromJsonAsync<JsonElement>("/_sandbox/webhooks"),
            d => d.EnumerateArray().All(x => x.GetProperty("state").GetString() == "Delivered"), TimeSpan.FromSeconds(90));
        deliveries.EnumerateArray().SelectMany(d => d.GetProperty("attempts").EnumerateArray())
            .ShouldAllBe(a => a.GetProperty("status_code").ValueKind != JsonValueKind.Number
                              || a.GetProperty("status_code").GetInt32() < 500 || a.GetProperty("status_code").GetInt32() == 503);
        await using var session = e2e.Store.QuerySession();
        var stored = await session.Query<Payments.Host.Webhooks.CheckoutWebhook>().ToListAsync();
        var acknowledged = deliveries.EnumerateArray().Select(d => d.GetProperty("event_id").GetString()!).Distinct().ToList();
        stored.Select(w => w.Id).Order().ShouldBe(acknowledged.Order());
        await Eventually.Until(async () =>
        {
            await using var s = e2e.Store.QuerySession();
            return await s.Query<Payments.Host.Webhooks.CheckoutWebhook>()
                .CountAsync(w => w.Processing == Payments.Host.Webhooks.WebhookProcessing.Received);
        }, waiting => waiting == 0, TimeSpan.FromSeconds(90));
    }
}

public sealed class when_every_connection_is_terminated_while_webhooks_are_applied(PostgresDatabase database) : IAsyncLifetime
{
    private Wired _e2e = null!;

    // Checkout.com's webhook retries (5 min, …) at TimeScale 300 come after 1 s; the KNET page stays open long enough.
    private const string Name = "e2e_db_fault_terminate";

    // The service's connections carry their own application name, so the fault hits this stack alone and never the
    // other test assemblies sharing the database.
    public async ValueTask InitializeAsync() =>
        _e2e = await Wired.StartAsync(database, Name, timeScale: 300, pageExpiry: TimeSpan.FromHours(3),
            service: new Dictionary<string, string?>
            {
                ["ConnectionStrings:Payments"] = $"{database.ConnectionString};Application Name={Name}",

                // A request whose key could not even be released (its connection was terminated too) holds the key
                // for the lease; longer than a request here can take (5 s to Checkout.com, retries of the database).
                ["Idempotency:Lease"] = "00:00:15",
            });

    public async ValueTask DisposeAsync() => await _e2e.DisposeAsync();

    [Fact]
    public async Task every_acknowledged_webhook_is_applied_exactly_once_and_no_payment_is_stuck()
    {
        var purchases = Enumerable.Range(0, 8).Select(n => Merchant.BuyAndRefundAsync(_e2e, n, refunds: 3)).ToList();

        var terminated = await Merchant.TerminateConnectionsWhileAsync(database, Name, purchases);

        terminated.ShouldBeGreaterThan(0, "the fault must have hit the service's connections");
        await Merchant.ShouldBeExactlyOnceAsync(_e2e, await Task.WhenAll(purchases), refunds: 3);
    }
}

/// <summary>
/// The same fault on a fleet: three nodes on one schema (Balanced mode: one leader, the scheduled checks and the
/// projections on one node each), purchases and their refunds spread over the nodes so one payment's writers are on
/// different nodes, webhooks applied on the node Checkout.com delivers to — and every connection of every node
/// terminated again and again.
/// </summary>
public sealed class when_every_connection_of_a_three_node_fleet_is_terminated(PostgresDatabase database) : IAsyncLifetime
{
    private const string Name = "e2e_db_fault_fleet";
    private Wired _e2e = null!;
    private readonly List<Node> _nodes = [];

    public async ValueTask InitializeAsync()
    {
        _e2e = await Wired.StartAsync(database, Name, timeScale: 300, pageExpiry: TimeSpan.FromHours(3),
            service: new Dictionary<string, string?>
            {
                ["ConnectionStrings:Payments"] = $"{database.ConnectionString};Application Name={Name}",
                ["Idempotency:Lease"] = "00:00:15",
            });
        _nodes.Add(_e2e.StartNode());
        _nodes.Add(_e2e.StartNode());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        await _e2e.DisposeAsync();
    }

    [Fact]
    public async Task every_acknowledged_webhook_is_applied_exactly_once_and_no_payment_is_stuck()
    {
        HttpClient[] clients = [_e2e.Service, .. _nodes.Select(n => n.Client)];
        var purchases = Enumerable.Range(0, 6).Select(n => Merchant.BuyAndRefundAsync(_e2e, n, refunds: 3, clients)).ToList();

        var terminated = await Merchant.TerminateConnectionsWhileAsync(database, Name, purchases);

        terminated.ShouldBeGreaterThan(0, "the fault must have hit the fleet's connections");
        await Merchant.ShouldBeExactlyOnceAsync(_e2e, await Task.WhenAll(purchases), refunds: 3);
    }
}

public sealed class when_the_pool_is_two_connections_under_sixteen_merchants(PostgresDatabase database) : IAsyncLifetime
{
    private Wired _e2e = null!;

    public async ValueTask InitializeAsync() =>
        _e2e = await Wired.StartAsync(database, "e2e_db_fault_pool", timeScale: 300, pageExpiry: TimeSpan.FromHours(3),
            service: new Dictionary<string, string?>
            {
                ["ConnectionStrings:Payments"] = database.ConnectionString + ";Maximum Pool Size=2;Timeout=1",
                ["Idempotency:Lease"] = "00:00:05",

                // A load test, not a test of the rate limit (AuthorizationTests has that).
                ["RateLimits:PermitsPerWindow"] = "100000",
            });

    public async ValueTask DisposeAsync() => await _e2e.DisposeAsync();

    [Fact]
    public async Task every_merchant_ends_with_the_true_answer_and_nothing_is_done_twice()
    {
        var purchases = await Task.WhenAll(Enumerable.Range(0, 16).Select(n => Merchant.BuyAndRefundAsync(_e2e, n, refunds: 8)));

        await Merchant.ShouldBeExactlyOnceAsync(_e2e, purchases, refunds: 8);
    }

    [Fact]
    public async Task a_request_that_finds_the_pool_empty_is_503_and_its_retry_gets_the_true_answer()
    {
        var (id, _) = await Merchant.BuyAndRefundAsync(_e2e, 0, refunds: 0);
        HttpStatusCode[] first;
        // Another session holds the payment's stream row: the refunds that reach it wait there holding both pooled
        // connections, and the next request finds the pool empty.
        await using (var holder = new NpgsqlConnection(database.ConnectionString))
        {
            await holder.OpenAsync();
            await using var hold = await holder.BeginTransactionAsync();
            await using (var lockRow = new NpgsqlCommand("select 1 from e2e_db_fault_pool.mt_streams where id = @id for update", holder, hold))
            {
                lockRow.Parameters.AddWithValue("id", id);
                await lockRow.ExecuteScalarAsync();
            }

            var refunds = Enumerable.Range(0, 3).Select(async r =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/payments/{id}/refunds") { Content = JsonContent.Create(new { amount = 100 }) };
                request.Headers.Add("Idempotency-Key", $"held-{r}");
                using var response = await _e2e.Service.SendAsync(request);
                return response.StatusCode;
            }).ToList();
            await Task.WhenAny(refunds);
            await hold.RollbackAsync();
            first = await Task.WhenAll(refunds);
        }

        first.ShouldContain(HttpStatusCode.ServiceUnavailable);
        first.ShouldAllBe(s => s == HttpStatusCode.Accepted || s == HttpStatusCode.ServiceUnavailable);
        var retried = await Task.WhenAll(Enumerable.Range(0, 3).Select(r => Merchant.SendUntilAnsweredAsync(
            _e2e.Service, HttpMethod.Post, $"/payments/{id}/refunds", new { amount = 100 }, $"held-{r}")));
        retried.ShouldAllBe(a => a.Status == HttpStatusCode.Accepted);
        retried.Select(a => a.Body.GetProperty("refundId").GetGuid()).Distinct().Count().ShouldBe(3);
        var settled = await Eventually.Until(() => Merchant.ReadAsync(_e2e, id),
            p => p.GetProperty("refundedAmount").GetInt64() == 300, TimeSpan.FromSeconds(60));
        var actions = await _e2e.Sandbox.GetFromJsonAsync<JsonElement>($"/payments/{settled.GetProperty("checkoutPaymentId").GetString()}/actions");
        actions.EnumerateArray().Count(a => a.GetProperty("type").GetString() == "Refund").ShouldBe(3);
        (await _e2e.StreamAsync(id)).Count(e => e.Data is Payments.Domain.RefundRequested).ShouldBe(3);
    }
}
