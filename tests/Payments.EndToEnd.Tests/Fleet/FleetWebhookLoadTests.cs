using System.Collections.Concurrent;
using System.Net;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using Payments.EndToEnd.Tests.Fixtures;

namespace Payments.EndToEnd.Tests.Fleet;

/// <summary>
/// Checkout.com delivers a steady stream of webhooks to whichever host its load balancer picks, while hosts die by
/// kill -9 (docs/architecture.md, "Webhooks in order", "A fleet"). Each payment's webhooks come in order, each one
/// acknowledged before the next is sent, and each to another host than the one before. A delivery the dying host did
/// not answer is sent again to a live host, as Checkout.com retries. The first kill takes the leader, and a
/// replacement host is started at once; the second kill takes another of the first three, which is not replaced (so
/// the fleet ends with two hosts, one of them started mid-load). Every acknowledged webhook is applied exactly once,
/// in receipt order; the daily totals count each payment once; nothing is dead-lettered; and no host logs a failure
/// outside the window of a kill.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class when_hosts_are_killed_while_webhooks_arrive(PostgresDatabase database) : IAsyncLifetime
{
    private const int PaymentCount = 60;
    private const int Senders = 6;

    /// <summary>Deliveries per second: the load lasts long enough (about 23 s) for both kills and the replacement's start.</summary>
    private const int DeliveriesPerSecond = 8;

    private static readonly string[] Lifecycle = ["payment_requested", "payment_pending", "payment_approved", "payment_captured", "knet_details_recorded"];

    /// <summary>What the sandbox signs for a payment paid on its page, in order.</summary>
    private static readonly string[] SandboxSends = ["payment_pending", "payment_capture_pending", "payment_captured"];

    private FleetOfHosts _fleet = null!;

    public async ValueTask InitializeAsync() => _fleet = await FleetOfHosts.CreateAsync(database, "fleet_webhook_load");

    public ValueTask DisposeAsync() => _fleet.DisposeAsync();

    private sealed record Ack(string EventId, Guid PaymentId, string Host, DateTimeOffset At);

    private sealed record Miss(string EventId, string Host, HttpStatusCode? Status);

    [Fact]
    public async Task webhooks_under_load_with_two_kills()
    {
        var originals = await _fleet.StartHostsAsync(3);
        await _fleet.SettledAsync(TimeSpan.FromSeconds(30));

        // The payments exist (requested through the hosts, paid at the sandbox) before the webhooks start.
        var payments = new CapturedPayment[PaymentCount];
        await Parallel.ForEachAsync(Enumerable.Range(0, PaymentCount), new ParallelOptions { MaxDegreeOfParallelism = 3 }, async (i, _) =>
            payments[i] = await _fleet.CreateCapturedPaymentAsync(originals[i % 3], 1_000 + (i * 10), $"FLEET-B-{i}"));
        payments.ShouldAllBe(p => p.Webhooks.Select(w => w.Type).SequenceEqual(SandboxSends));
        var total = payments.Sum(p => p.Webhooks.Count);

        var acks = new ConcurrentQueue<Ack>();
        var misses = new ConcurrentQueue<Miss>();
        using var stop = new CancellationTokenSource();
        using var tickets = new SemaphoreSlim(0);
        var pace = Pace(tickets, stop.Token);
        var queue = new ConcurrentQueue<CapturedPayment>(payments);
        var round = 0;

        async Task Send()
        {
            while (queue.TryDequeue(out var payment))
            {
                FleetHost? previous = null;
                foreach (var webhook in payment.Webhooks)
                {
                    await tickets.WaitAsync(stop.Token);
                    for (var attempt = 1; ; attempt++)
                    {
                        attempt.ShouldBeLessThanOrEqualTo(20, $"{webhook.EventId} was never acknowledged");
                        // Another live host than the one that took this payment's last webhook; right after the second
                        // kill that may mean waiting for the replacement to be ready, as Checkout.com's retries would.
                        var candidates = await Eventually.Until(
                            () => Task.FromResult(_fleet.Live.Where(h => h.Ready && h != previous).ToList()),
                            live => live.Count > 0, TimeSpan.FromSeconds(120));
                        var host = candidates[Interlocked.Increment(ref round) % candidates.Count];
                        var status = await FleetOfHosts.DeliverAsync(host, webhook);
                        if (status == HttpStatusCode.OK)
                        {
                            acks.Enqueue(new Ack(webhook.EventId, payment.Id, host.Name, DateTimeOffset.UtcNow));
                            previous = host;
                            break;
                        }

                        misses.Enqueue(new Miss(webhook.EventId, host.Name, status));
                    }
                }
            }
        }

        var load = Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(Send)));

        // First kill: the leader, a third of the way in; a replacement starts at once.
        await Eventually.Until(() => Task.FromResult(acks.Count), n => n >= total / 3, TimeSpan.FromSeconds(60));
        var leader = _fleet.HostOf((await _fleet.StateAsync()).Leader).ShouldNotBeNull();
        var acksAtFirstKill = acks.Count;
        await _fleet.KillAsync(leader);
        var replacement = _fleet.StartHost();
        await _fleet.SettledAsync(TimeSpan.FromSeconds(20));

        // Second kill: another of the first three, two thirds of the way in, whether or not the replacement is ready.
        await Eventually.Until(() => Task.FromResult(acks.Count), n => n >= total * 2 / 3, TimeSpan.FromSeconds(60));
        var second = _fleet.Live.First(h => originals.Contains(h));
        var acksAtSecondKill = acks.Count;
        await _fleet.KillAsync(second);

        await replacement.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        await load;
        await stop.CancelAsync();
        await pace;
        await _fleet.SettledAsync(TimeSpan.FromSeconds(20));
        TestContext.Current.SendDiagnosticMessage(
            $"killed {leader.Name} (leader) at {acksAtFirstKill}/{total} acks and {second.Name} at {acksAtSecondKill}/{total}; "
            + $"{misses.Count} deliveries unanswered and sent again: {string.Join(", ", misses.Select(m => $"{m.EventId}@{m.Host}={m.Status?.ToString() ?? "no answer"}"))}");
        acksAtSecondKill.ShouldBeLessThan(total, "the second kill happened under load");

        // Every webhook was acknowledged once by the test's count, and each payment's by different hosts in turn.
        var acked = acks.ToList();
        acked.Select(a => a.EventId).ShouldBe(payments.SelectMany(p => p.Webhooks.Select(w => w.EventId)), ignoreOrder: true);
        foreach (var byPayment in acked.GroupBy(a => a.PaymentId))
        {
            var order = byPayment.OrderBy(a => a.At).Select(a => a.Host).ToList();
            order.Zip(order.Skip(1)).ShouldAllBe(pair => pair.First != pair.Second, $"payment {byPayment.Key} went {string.Join(" → ", order)}");
        }

        // Applied exactly once each, in receipt order.
        var ids = payments.Select(p => p.Id).ToList();
        var events = await Eventually.Until(() => _fleet.EventsAsync(ids),
            e => e.Count(x => x.Type == "knet_details_recorded") >= PaymentCount, TimeSpan.FromSeconds(60));
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
            webhooks[pending.EventId].Processing.ShouldBe("NoOp");
            webhooks[approval.EventId].Processing.ShouldBe("Applied");
            webhooks[capture.EventId].Processing.ShouldBe("Applied");
            webhooks[pending.EventId].Sequence.ShouldBeLessThan(webhooks[approval.EventId].Sequence);
            webhooks[approval.EventId].Sequence.ShouldBeLessThan(webhooks[capture.EventId].Sequence);
        }

        events.Where(e => e.Cause is not null && e.Cause.StartsWith("webhook:", StringComparison.Ordinal))
            .GroupBy(e => e.Cause).ShouldAllBe(g => g.Count() == 1, "one event per applied webhook");
        var redelivered = webhooks.Values.Where(w => w.Deliveries > 1).Select(w => w.Id).ToList();
        redelivered.ShouldBeSubsetOf(misses.Select(m => m.EventId), "only a delivery the test sent again counts twice");

        var totals = await Eventually.Until(() => FleetOfHosts.DailyTotalsAsync(_fleet.Live[0]),
            t => t.Captured >= PaymentCount, TimeSpan.FromSeconds(30));
        totals.ShouldBe((PaymentCount, PaymentCount, payments.Sum(p => p.Amount)));
        (await _fleet.DeadLettersAsync()).ShouldBe(0);
        _fleet.FailuresOutsideKillWindows().ShouldBeEmpty(
            $"no failure outside {string.Join("; ", _fleet.Kills)} ({_fleet.LogFiles})");
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
