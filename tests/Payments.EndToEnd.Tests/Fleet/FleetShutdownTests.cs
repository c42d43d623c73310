using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Npgsql;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using Payments.EndToEnd.Tests.Fixtures;

namespace Payments.EndToEnd.Tests.Fleet;

/// <summary>
/// Two hosts take a steady stream of Checkout.com's webhooks and the leader is sent SIGTERM in the middle of it, as an
/// orchestrator stops a process (docs/architecture.md, "A fleet", "Shutdown"). At that moment the leader holds, for
/// real: a webhook request in flight (its insert waits behind a row the test holds), a handler in flight (it waits
/// for a payment's stream row the test holds) and that payment's next message queued behind it. The leader must stop
/// accepting at once, answer the request in flight, finish the handler, hand the rest back, release the leadership and
/// its node so the survivor takes over at once — not after the stale-node timeout — and exit with code 0 well within
/// the 30 s an orchestrator allows, logging no failure. Every acknowledged webhook is applied exactly once, in order;
/// a restart of the terminated host redoes nothing.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class when_the_leader_is_sent_sigterm_while_webhooks_arrive(PostgresDatabase database) : IAsyncLifetime
{
    private const string Schema = "fleet_shutdown";
    private const int PaymentCount = 40;
    private const int Senders = 4;
    private const int DeliveriesPerSecond = 10;

    /// <summary>
    /// Long, so the path that moves a dead node's work (its silence noticed after this) cannot explain a handover:
    /// a survivor leading within <see cref="Handover"/> of the exit was given the leadership, it did not take it.
    /// </summary>
    private static readonly TimeSpan StaleNodeTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// From the exit until the survivor leads and holds every agent: its next leadership poll
    /// (<c>Fleet:HealthCheckPollingTime</c>, 0.5 s here) and one assignment round, on a busy two-core machine.
    /// </summary>
    private static readonly TimeSpan Handover = TimeSpan.FromSeconds(5);

    /// <summary>What an orchestrator allows between SIGTERM and SIGKILL (Kubernetes' default grace period).</summary>
    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(30);

    private static readonly string[] Lifecycle = ["payment_requested", "payment_pending", "payment_approved", "payment_captured", "knet_details_recorded"];

    /// <summary>What the sandbox signs for a payment paid on its page, in order.</summary>
    private static readonly string[] SandboxSends = ["payment_pending", "payment_capture_pending", "payment_captured"];

    private FleetOfHosts _fleet = null!;

    public async ValueTask InitializeAsync() => _fleet = await FleetOfHosts.CreateAsync(database, Schema, settings: new Dictionary<string, string>
    {
        ["Fleet__StaleNodeTimeout"] = StaleNodeTimeout.ToString("c"),
        // Its "Stopped message listener" line marks the moment Wolverine starts draining, after Kestrel has stopped.
        ["Logging__LogLevel__Wolverine.Transports.ListeningAgent"] = "Information",
    });

    public ValueTask DisposeAsync() => _fleet.DisposeAsync();

    private sealed record Ack(string EventId, Guid PaymentId, string Host, DateTimeOffset At);

    private sealed record Miss(string EventId, string Host, HttpStatusCode? Status);

    [Fact]
    public async Task the_leader_drains_hands_over_at_once_and_loses_nothing_acknowledged()
    {
        var hosts = await _fleet.StartHostsAsync(2);
        var leader = _fleet.HostOf((await _fleet.SettledAsync(TimeSpan.FromSeconds(30))).Leader).ShouldNotBeNull();
        var survivor = hosts.Single(h => h != leader);

        var streamed = new CapturedPayment[PaymentCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, PaymentCount), new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (i, _) =>
            streamed[i] = await _fleet.CreateCapturedPaymentAsync(hosts[i % 2], 1_000 + (i * 10), $"FLEET-S-{i}"));
        // A: its captured webhook is the request in flight at SIGTERM. B: its handler is in flight, its next message queued.
        var a = await _fleet.CreateCapturedPaymentAsync(leader, 7_770, "FLEET-S-A");
        var b = await _fleet.CreateCapturedPaymentAsync(leader, 8_880, "FLEET-S-B");
        var payments = streamed.Append(a).Append(b).ToList();
        payments.ShouldAllBe(p => p.Webhooks.Select(w => w.Type).SequenceEqual(SandboxSends));
        var acks = new ConcurrentQueue<Ack>();
        var misses = new ConcurrentQueue<Miss>();
        foreach (var webhook in new[] { a.Webhooks[0], a.Webhooks[1], b.Webhooks[0] })
        {
            await Deliver(leader, webhook, payments, acks, misses);
        }

        using var stop = new CancellationTokenSource();
        using var tickets = new SemaphoreSlim(0);
        var pace = Pace(tickets, stop.Token);
        var queue = new ConcurrentQueue<CapturedPayment>(streamed);
        var round = 0;

        async Task Send()
        {
            while (queue.TryDequeue(out var payment))
            {
                foreach (var webhook in payment.Webhooks)
                {
                    await tickets.WaitAsync(stop.Token);
                    for (var attempt = 1; ; attempt++)
                    {
                        attempt.ShouldBeLessThanOrEqualTo(20, $"{webhook.EventId} was never acknowledged");
                        // A host sent SIGTERM gets nothing new, as a load balancer stops sending to it.
                        var live = _fleet.Live.Where(h => h.Ready && !h.Stopping).ToList();
                        var host = live[Interlocked.Increment(ref round) % live.Count];
                        if (await Deliver(host, webhook, payments, acks, misses))
                        {
                            break;
                        }
                    }
                }
            }
        }

        var load = Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(Send)));
        var total = payments.Sum(p => p.Webhooks.Count);
        await Eventually.Until(() => Task.FromResult(acks.Count), n => n >= total / 3, TimeSpan.FromSeconds(60));

        // B's handler in flight on the leader (waiting for the stream row we hold), B's captured message queued behind it.
        await using var streamHolder = await _fleet.OpenAsync();
        await using var streamHold = await streamHolder.BeginTransactionAsync();
        (await Sql(streamHolder, $"select 1 from {Schema}.mt_streams where id = @id for update", b.Id, streamHold)).ShouldBe(1);
        (await Deliver(leader, b.Webhooks[1], payments, acks, misses)).ShouldBeTrue();
        (await Deliver(leader, b.Webhooks[2], payments, acks, misses)).ShouldBeTrue();
        await Eventually.Until(() => BlockedBy(streamHolder, leader), n => n == 1, TimeSpan.FromSeconds(30));

        // A's captured webhook in flight: its insert waits behind an uncommitted row with the same id.
        await using var rowHolder = await _fleet.OpenAsync();
        await using var rowHold = await rowHolder.BeginTransactionAsync();
        await Sql(rowHolder, $"insert into {Schema}.mt_doc_checkoutwebhook (id, data) values (@id, '{{}}')", a.Webhooks[2].EventId, rowHold);
        var inFlight = FleetOfHosts.DeliverAsync(leader, a.Webhooks[2]);
        await Eventually.Until(() => BlockedBy(rowHolder, leader), n => n == 1, TimeSpan.FromSeconds(30));

        var node = leader.NodeId!.Value;
        (await _fleet.StateAsync()).Leader.ShouldBe(node, "the host sent SIGTERM still leads");
        var nodeNumber = await Sql(streamHolder, $"select node_number::bigint from {Schema}.wolverine_nodes where id = @id", node);
        var acksAtSigterm = acks.Count;
        var survivorLeads = SurvivorLeadsAsync(survivor.NodeId!.Value);
        var terminating = leader.TerminateAsync(TimeSpan.FromSeconds(60));

        // Kestrel stops first: no new connection, while the request in flight still waits.
        await Eventually.Until(() => Task.FromResult(leader.Lines.Any(l => l.Category == "Microsoft.Hosting.Lifetime"
            && l.Text.StartsWith("Application is shutting down", StringComparison.Ordinal))), seen => seen, TimeSpan.FromSeconds(30));
        await Eventually.Until(() => RefusesConnections(leader.Url), refused => refused, TimeSpan.FromSeconds(30));
        inFlight.IsCompleted.ShouldBeFalse("the request in flight still waits for the row the test holds");
        await rowHold.RollbackAsync();
        (await inFlight).ShouldBe(HttpStatusCode.OK, "the request in flight at SIGTERM is answered, and so stored");
        acks.Enqueue(new Ack(a.Webhooks[2].EventId, a.Id, leader.Name, DateTimeOffset.UtcNow));

        // Then Wolverine drains: the handler in flight finishes once the row is free.
        await Eventually.Until(() => Task.FromResult(leader.Lines.Any(l => l.At >= leader.TerminatedAt
            && l.Text.StartsWith("Stopped message listener", StringComparison.Ordinal))), seen => seen, TimeSpan.FromSeconds(30));
        await streamHold.RollbackAsync();

        var termination = await terminating;
        var survivorLed = await survivorLeads;
        var afterExit = await _fleet.StateAsync();
        var ownedAfterExit = await Sql(streamHolder,
            $"select (select count(*) from {Schema}.wolverine_incoming_envelopes where owner_id = @id) + (select count(*) from {Schema}.wolverine_outgoing_envelopes where owner_id = @id)",
            (int)nodeNumber);
        var handedBack = await Sql(streamHolder,
            $"select count(*) from {Schema}.wolverine_incoming_envelopes where owner_id = 0 and status = 'Incoming'");
        var settled = await _fleet.SettledAsync(Handover);
        var settledAt = DateTimeOffset.UtcNow;
        TestContext.Current.SendDiagnosticMessage(
            $"SIGTERM at {acksAtSigterm}/{total} acks: exit code {termination.ExitCode} after {termination.Duration.TotalSeconds:F2} s; "
            + $"the survivor led {(survivorLed - leader.TerminatedAt!.Value).TotalSeconds:F2} s after SIGTERM "
            + $"({(survivorLed - termination.ExitedAt).TotalSeconds:F2} s from the exit) and held every agent "
            + $"{(settledAt - termination.ExitedAt).TotalSeconds:F2} s after the exit; {handedBack} messages handed back and not yet taken at the exit");

        termination.ExitCode.ShouldBe(0);
        termination.Duration.ShouldBeLessThan(GracePeriod);
        (survivorLed - termination.ExitedAt).ShouldBeLessThan(Handover, "the survivor was handed the leadership, not left to find a dead leader");
        afterExit.Nodes.ShouldNotContain(node, "the leader deleted its own node row before exiting");
        ownedAfterExit.ShouldBe(0, "the leader handed back every message it still owned");
        settled.Leader.ShouldBe(survivor.NodeId);

        await load;
        await stop.CancelAsync();
        await pace;
        TestContext.Current.SendDiagnosticMessage(
            $"{misses.Count} deliveries unanswered and sent again: {string.Join(", ", misses.Select(m => $"{m.EventId}@{m.Host}={m.Status?.ToString() ?? "no answer"}"))}");

        // Every webhook acknowledged, once by the test's count; each applied exactly once, in receipt order.
        acks.Select(x => x.EventId).ShouldBe(payments.SelectMany(p => p.Webhooks.Select(w => w.EventId)), ignoreOrder: true);
        var ids = payments.Select(p => p.Id).ToList();
        var events = await Eventually.Until(() => _fleet.EventsAsync(ids),
            e => e.Count(x => x.Type == "knet_details_recorded") >= payments.Count, TimeSpan.FromSeconds(60));
        var webhooks = await Eventually.Until(_fleet.WebhooksAsync,
            w => w.Count >= total && w.Values.All(x => x.Processing != "Received"), TimeSpan.FromSeconds(30));
        foreach (var payment in payments)
        {
            var stream = events.Where(e => e.StreamId == payment.Id).ToList();
            stream.Select(e => e.Type).ShouldBe(Lifecycle, $"payment {payment.Id}");
            var (pending, approval, capture) = (payment.Webhooks[0], payment.Webhooks[1], payment.Webhooks[2]);
            stream[2].Cause.ShouldBe($"webhook:{approval.EventId}");
            stream[3].Cause.ShouldBe($"webhook:{capture.EventId}");
            events.Count(e => e.Cause == $"webhook:{pending.EventId}").ShouldBe(0);
            (webhooks[pending.EventId].Processing, webhooks[approval.EventId].Processing, webhooks[capture.EventId].Processing)
                .ShouldBe(("NoOp", "Applied", "Applied"), $"payment {payment.Id}");
            webhooks[pending.EventId].Sequence.ShouldBeLessThan(webhooks[approval.EventId].Sequence);
            webhooks[approval.EventId].Sequence.ShouldBeLessThan(webhooks[capture.EventId].Sequence);
        }

        events.Where(e => e.Cause is not null && e.Cause.StartsWith("webhook:", StringComparison.Ordinal))
            .GroupBy(e => e.Cause).ShouldAllBe(g => g.Count() == 1, "one event per applied webhook");
        webhooks.Values.Where(w => w.Deliveries > 1).Select(w => w.Id).ShouldBeSubsetOf(misses.Select(m => m.EventId),
            "only a delivery the test sent again counts twice");
        var totals = await Eventually.Until(() => FleetOfHosts.DailyTotalsAsync(survivor),
            t => t.Captured >= payments.Count, TimeSpan.FromSeconds(30));
        totals.ShouldBe((payments.Count, payments.Count, payments.Sum(p => p.Amount)));
        (await _fleet.DeadLettersAsync()).ShouldBe(0);
        _fleet.Failures().ShouldBeEmpty($"no host logged a failure, during the shutdown or otherwise ({_fleet.LogFiles})");

        // The terminated host comes back: it works, and it redoes nothing that was finished.
        var inbox = await Eventually.Until(InboxAsync, rows => rows.Values.All(r => r.Status != "Incoming"), TimeSpan.FromSeconds(30));
        var restarted = _fleet.StartHost();
        await restarted.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        await _fleet.SettledAsync(TimeSpan.FromSeconds(30));
        var after = await _fleet.CreateCapturedPaymentAsync(restarted, 9_990, "FLEET-S-AFTER");
        foreach (var webhook in after.Webhooks)
        {
            (await FleetOfHosts.DeliverAsync(restarted, webhook)).ShouldBe(HttpStatusCode.OK);
        }

        (await Eventually.Until(() => _fleet.EventsAsync([after.Id]), e => e.Count == Lifecycle.Length, TimeSpan.FromSeconds(60)))
            .Select(e => e.Type).ShouldBe(Lifecycle);
        (await _fleet.EventsAsync(ids)).ShouldBe(events, "no event appended to a finished payment");
        var webhooksAfter = await _fleet.WebhooksAsync();
        webhooks.Keys.ShouldAllBe(id => webhooksAfter[id] == webhooks[id], "no stored webhook changed");
        // A handled row may be gone (Wolverine keeps it for a while), but none is handled again.
        var inboxAfter = await InboxAsync();
        inbox.Where(row => row.Value.Status == "Handled" && inboxAfter.TryGetValue(row.Key, out var now) && !now.Equals(row.Value))
            .ShouldBeEmpty("no message handled again");
        _fleet.Failures().ShouldBeEmpty($"no host logged a failure ({_fleet.LogFiles})");
    }

    /// <summary>Delivers one webhook; true when acknowledged (recorded), false when refused or unanswered (recorded).</summary>
    private static async Task<bool> Deliver(
        FleetHost host, SandboxWebhook webhook, IReadOnlyList<CapturedPayment> payments, ConcurrentQueue<Ack> acks, ConcurrentQueue<Miss> misses)
    {
        var status = await FleetOfHosts.DeliverAsync(host, webhook);
        if (status == HttpStatusCode.OK)
        {
            acks.Enqueue(new Ack(webhook.EventId, payments.Single(p => p.Webhooks.Contains(webhook)).Id, host.Name, DateTimeOffset.UtcNow));
            return true;
        }

        misses.Enqueue(new Miss(webhook.EventId, host.Name, status));
        return false;
    }

    /// <summary>When the survivor was first seen holding the leader agent, polled from now on.</summary>
    private async Task<DateTimeOffset> SurvivorLeadsAsync(Guid survivor)
    {
        await Eventually.Until(_fleet.StateAsync, state => state.Leader == survivor, TimeSpan.FromSeconds(90));
        return DateTimeOffset.UtcNow;
    }

    /// <summary>The host's connections waiting for a lock the given connection holds.</summary>
    private async Task<long> BlockedBy(NpgsqlConnection holder, FleetHost host)
    {
        await using var connection = await _fleet.OpenAsync();
        await using var count = new NpgsqlCommand(
            "select count(*) from pg_stat_activity where application_name = @app and @holder = any(pg_blocking_pids(pid))", connection);
        count.Parameters.AddWithValue("app", $"{Schema}-{host.Name}");
        count.Parameters.AddWithValue("holder", holder.ProcessID);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>A fresh TCP connection to the host is refused: nothing listens on its port any more.</summary>
    private static async Task<bool> RefusesConnections(Uri url)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(url.Host, url.Port);
            return false;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
        {
            return true;
        }
    }

    /// <summary>Each inbox row: status and attempts (waited on until every message received has been handled).</summary>
    private async Task<IReadOnlyDictionary<Guid, (string Status, int Attempts)>> InboxAsync()
    {
        await using var connection = await _fleet.OpenAsync();
        await using var read = new NpgsqlCommand($"select id, status, coalesce(attempts, 0) from {Schema}.wolverine_incoming_envelopes", connection);
        var rows = new Dictionary<Guid, (string, int)>();
        await using var reader = await read.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows[reader.GetGuid(0)] = (reader.GetString(1), reader.GetInt32(2));
        }

        return rows;
    }

    /// <summary>A count or number (first column of the first row), or the rows a statement touched; <c>@id</c> is <paramref name="id"/>.</summary>
    private static async Task<long> Sql(NpgsqlConnection connection, string sql, object? id = null, NpgsqlTransaction? transaction = null)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        if (id is not null)
        {
            command.Parameters.AddWithValue("id", id);
        }

        return sql.StartsWith("select", StringComparison.Ordinal)
            ? Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture)
            : await command.ExecuteNonQueryAsync();
    }

    /// <summary>Releases one delivery ticket every 1/<see cref="DeliveriesPerSecond"/> s until stopped.</summary>
    private static async Task Pace(SemaphoreSlim tickets, CancellationToken stop)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1.0 / DeliveriesPerSecond));
        try
        {
            while (await tick.WaitForNextTickAsync(stop))
            {
                tickets.Release();
            }
        }
        catch (OperationCanceledException)
        {
            // The load is over.
        }
    }
}

/// <summary>
/// Work that outlives the shutdown's budget cannot keep a host from exiting, and is not lost (docs/architecture.md,
/// "Shutdown"). When SIGTERM comes, the leader holds a webhook request whose insert waits behind a row the test
/// holds, and a handler waiting for a payment's stream row the test holds, with that payment's next message queued
/// behind it; neither is let go. The request is cut off after <c>Shutdown:Timeout</c>, unacknowledged and stored
/// nowhere; the handler is cancelled after <c>Shutdown:DrainTimeout</c> and commits nothing; the host exits with
/// code 0 long before an orchestrator's SIGKILL. Checkout.com sends the webhook again, to the survivor; once the row
/// is free the survivor also applies the cancelled handler's webhooks, in order, each once, and nothing is
/// dead-lettered. The leader's only failures are the two cancellations, logged after SIGTERM.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class when_work_outlives_the_shutdown_budget(PostgresDatabase database) : IAsyncLifetime
{
    private const string Schema = "fleet_shutdown_budget";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(30);

    private FleetOfHosts _fleet = null!;

    public async ValueTask InitializeAsync() => _fleet = await FleetOfHosts.CreateAsync(database, Schema, settings: new Dictionary<string, string>
    {
        ["Shutdown__Timeout"] = RequestTimeout.ToString("c"),
        ["Shutdown__DrainTimeout"] = DrainTimeout.ToString("c"),
    });

    public ValueTask DisposeAsync() => _fleet.DisposeAsync();

    [Fact]
    public async Task the_host_exits_in_time_and_the_survivor_finishes_the_work()
    {
        var hosts = await _fleet.StartHostsAsync(2);
        var leader = _fleet.HostOf((await _fleet.SettledAsync(TimeSpan.FromSeconds(30))).Leader).ShouldNotBeNull();
        var survivor = hosts.Single(h => h != leader);
        var a = await _fleet.CreateCapturedPaymentAsync(leader, 5_550, "FLEET-BUDGET-A");
        var b = await _fleet.CreateCapturedPaymentAsync(leader, 6_660, "FLEET-BUDGET-B");
        foreach (var webhook in new[] { a.Webhooks[0], a.Webhooks[1], b.Webhooks[0] })
        {
            (await FleetOfHosts.DeliverAsync(leader, webhook)).ShouldBe(HttpStatusCode.OK);
        }

        await Eventually.Until(_fleet.WebhooksAsync, w => w.Count == 3 && w.Values.All(x => x.Processing != "Received"));

        // B's handler waits for the stream row we hold; B's captured message is queued behind it.
        await using var streamHolder = await _fleet.OpenAsync();
        await using var streamHold = await streamHolder.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand($"select 1 from {Schema}.mt_streams where id = @id for update", streamHolder, streamHold))
        {
            take.Parameters.AddWithValue("id", b.Id);
            (await take.ExecuteScalarAsync()).ShouldBe(1);
        }

        (await FleetOfHosts.DeliverAsync(leader, b.Webhooks[1])).ShouldBe(HttpStatusCode.OK);
        (await FleetOfHosts.DeliverAsync(leader, b.Webhooks[2])).ShouldBe(HttpStatusCode.OK);
        await Eventually.Until(() => BlockedBy(streamHolder, leader), n => n == 1, TimeSpan.FromSeconds(30));

        // A's captured webhook is in flight: its insert waits behind an uncommitted row with the same id.
        await using var rowHolder = await _fleet.OpenAsync();
        await using var rowHold = await rowHolder.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand($"insert into {Schema}.mt_doc_checkoutwebhook (id, data) values (@id, '{{}}')", rowHolder, rowHold))
        {
            insert.Parameters.AddWithValue("id", a.Webhooks[2].EventId);
            (await insert.ExecuteNonQueryAsync()).ShouldBe(1);
        }

        var inFlight = FleetOfHosts.DeliverAsync(leader, a.Webhooks[2]);
        await Eventually.Until(() => BlockedBy(rowHolder, leader), n => n == 1, TimeSpan.FromSeconds(30));

        var terminating = leader.TerminateAsync(TimeSpan.FromSeconds(60));
        (await inFlight).ShouldBeNull("the request was cut off after Shutdown:Timeout, never answered");
        await Eventually.Until(() => BlockedBy(rowHolder, leader), n => n == 0, TimeSpan.FromSeconds(30));
        await rowHold.RollbackAsync();

        var termination = await terminating;
        TestContext.Current.SendDiagnosticMessage(
            $"exit code {termination.ExitCode} after {termination.Duration.TotalSeconds:F2} s, a request and a handler cut off");
        termination.ExitCode.ShouldBe(0);
        termination.Duration.ShouldBeLessThan(GracePeriod);
        (await BlockedBy(streamHolder, leader)).ShouldBe(0, "the handler's connection went with the process");
        var left = await _fleet.WebhooksAsync();
        left.ContainsKey(a.Webhooks[2].EventId).ShouldBeFalse("the request cut off stored nothing");
        (left[b.Webhooks[1].EventId].Processing, left[b.Webhooks[2].EventId].Processing).ShouldBe(("Received", "Received"),
            "the cancelled handler committed nothing");

        // Checkout.com sends the unacknowledged webhook again; the stream row is free again.
        (await FleetOfHosts.DeliverAsync(survivor, a.Webhooks[2])).ShouldBe(HttpStatusCode.OK);
        await streamHold.RollbackAsync();

        var events = await Eventually.Until(() => _fleet.EventsAsync([a.Id, b.Id]),
            e => e.Count(x => x.Type == "knet_details_recorded") == 2, TimeSpan.FromSeconds(60));
        foreach (var payment in new[] { a, b })
        {
            var stream = events.Where(e => e.StreamId == payment.Id).ToList();
            stream.Select(e => (e.Type, e.Cause)).ShouldBe(
            [
                ("payment_requested", stream[0].Cause), ("payment_pending", stream[1].Cause),
                ("payment_approved", $"webhook:{payment.Webhooks[1].EventId}"), ("payment_captured", $"webhook:{payment.Webhooks[2].EventId}"),
                ("knet_details_recorded", $"checkout:GET /payments/{payment.CheckoutPaymentId}"),
            ]);
        }

        var webhooks = await _fleet.WebhooksAsync();
        webhooks.Values.Select(w => (w.Id, w.Processing, w.Deliveries)).ShouldBe(
            [.. new[] { a, b }.SelectMany(p => new[]
            {
                (p.Webhooks[0].EventId, "NoOp", 1), (p.Webhooks[1].EventId, "Applied", 1), (p.Webhooks[2].EventId, "Applied", 1),
            })], ignoreOrder: true);
        (await _fleet.DeadLettersAsync()).ShouldBe(0);
        survivor.Lines.Where(l => l.IsFailure).ShouldBeEmpty($"the survivor logged no failure ({survivor.LogPath})");
        var cancellations = leader.Lines.Where(l => l.IsFailure).ToList();
        foreach (var failure in cancellations)
        {
            TestContext.Current.SendDiagnosticMessage($"{failure} | {failure.Exception?.Split('\n')[0]}");
        }

        cancellations.ShouldAllBe(l => l.At >= leader.TerminatedAt!.Value && l.Exception != null
                                       && l.Exception.StartsWith("System.OperationCanceledException", StringComparison.Ordinal),
            $"the leader's only failures are the cancellations of the work cut off ({leader.LogPath})");
    }

    private async Task<long> BlockedBy(NpgsqlConnection holder, FleetHost host)
    {
        await using var connection = await _fleet.OpenAsync();
        await using var count = new NpgsqlCommand(
            "select count(*) from pg_stat_activity where application_name = @app and @holder = any(pg_blocking_pids(pid))", connection);
        count.Parameters.AddWithValue("app", $"{Schema}-{host.Name}");
        count.Parameters.AddWithValue("holder", holder.ProcessID);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}

/// <summary>
/// SIGTERM first takes the node out of rotation, then stops it (<c>Shutdown:ReadinessDelay</c>, docs/architecture.md
/// "Shutdown"): for that moment readiness answers 503 <c>draining</c> while new connections are still served, so a
/// proxy asking every second stops sending before the listener closes; then the host stops as usual, exit code 0.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class when_a_node_is_sent_sigterm_it_leaves_rotation_before_it_stops_listening(PostgresDatabase database) : IAsyncLifetime
{
    private static readonly TimeSpan ReadinessDelay = TimeSpan.FromSeconds(3);
    private FleetOfHosts _fleet = null!;

    public async ValueTask InitializeAsync() => _fleet = await FleetOfHosts.CreateAsync(database, "fleet_leave_rotation", sandbox: false,
        settings: new Dictionary<string, string> { ["Shutdown__ReadinessDelay"] = ReadinessDelay.ToString("c") });

    public ValueTask DisposeAsync() => _fleet.DisposeAsync();

    [Fact]
    public async Task readiness_answers_draining_while_new_connections_are_still_served()
    {
        var host = (await _fleet.StartHostsAsync(1)).Single();
        await _fleet.SettledAsync(TimeSpan.FromSeconds(30));

        var exited = host.TerminateAsync(TimeSpan.FromSeconds(30));
        var draining = await Eventually.Until(async () =>
        {
            // A new connection each time: what a proxy's next health check or a new client opens.
            using var client = new HttpClient { BaseAddress = host.Url };
            using var answer = await client.GetAsync(new Uri("/health/ready", UriKind.Relative));
            return ((int)answer.StatusCode, await answer.Content.ReadAsStringAsync());
        }, a => a.Item1 == 503, TimeSpan.FromSeconds(2));
        using var fresh = new HttpClient { BaseAddress = host.Url };
        using var live = await fresh.GetAsync(new Uri("/health/live", UriKind.Relative));
        var termination = await exited;

        draining.Item2.ShouldBe(
            """{"status":"Unhealthy","checks":{"postgres":"Healthy","schema":"Healthy","wolverine_node":"Healthy","durability_agent":"Healthy","draining":"Unhealthy"}}""");
        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        termination.ExitCode.ShouldBe(0);
        termination.Duration.ShouldBeGreaterThanOrEqualTo(ReadinessDelay);
        termination.Duration.ShouldBeLessThan(TimeSpan.FromSeconds(30));
        _fleet.Failures().ShouldBeEmpty();
    }
}
