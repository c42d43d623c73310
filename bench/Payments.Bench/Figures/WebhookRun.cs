using System.Globalization;
using Payments.Bench.Infrastructure;
using Payments.Bench.Load;

namespace Payments.Bench.Figures;

/// <summary>One sustained webhook load against 1..n hosts: what was acknowledged, what was applied, and what it cost.</summary>
internal sealed record WebhookMeasurement(
    double AppliedPerSecond, double AckedPerSecond, long Failed, bool RanOut, long Backlog, ResourceWindow Resources,
    long AppliedInSampler, IReadOnlyDictionary<string, long> Outcomes, int ErrorLogEntries,
    double DrainPerSecond, IReadOnlyList<long> PerSecond)
{
    /// <summary>Applied per second through the load and the drain after it, for the evidence lines.</summary>
    public string PerSecondText => string.Join(" ", PerSecond);

    public string OutcomeText => string.Join(", ", Outcomes.Select(o => $"{o.Key} {o.Value}"));
}

/// <summary>
/// Seeds pending payments, starts the sandbox and <c>hosts</c> host processes on one schema, waits until the async
/// daemon has caught up with the seed, then runs <c>connections</c> closed-loop senders spread round-robin over the
/// hosts for warm-up + window. "Applied" = webhooks whose processing finished (ProcessedAt) inside the window.
/// </summary>
internal static class WebhookRun
{
    /// <summary>Payments to seed per second of load: each gives two webhooks, and acks outrun applies by far.</summary>
    private const int PaymentsPerSecond = 800;

    /// <summary>Enough to go through both webhook kinds (approvals, then captures) on every host.</summary>
    public const int PrimingWebhooks = 150;

    private static readonly TimeSpan DrainWindow = TimeSpan.FromSeconds(5);

    public static async Task<WebhookMeasurement> MeasureAsync(BenchContext context, int hosts, int connections, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var scale = context.Scale;
        var loadTime = scale.Warmup + scale.Window;
        var payments = await SeedAsync(context, (int)(loadTime.TotalSeconds * PaymentsPerSecond) + PrimingWebhooks, cancellation);
        await using var sandbox = await context.Services.StartSandboxAsync(cancellation);
        var started = new List<ServiceProcess>();
        try
        {
            for (var i = 0; i < hosts; i++)
            {
                started.Add(await context.Services.StartHostAsync(i, connections, cancellation));
            }

            await WaitForDaemonAsync(context, cancellation);
            var clients = started.Select(h => new WebhookClient(h.BaseAddress, connections)).ToArray();
            try
            {
                var feed = new WebhookFeed(payments, Services.SignatureKey);
                await PrimeAsync(context, feed, clients, cancellation);
                await using var sampler = await ResourceSampler.StartAsync(started, context.Database, cancellation);
                var loadStart = DateTimeOffset.UtcNow;
                var outcome = await ClosedLoop.RunAsync(connections, loadTime, async (worker, token) =>
                    feed.Next() is { } webhook ? await clients[worker % clients.Length].SendAsync(webhook, token) : null, cancellation);
                var loadEnd = DateTimeOffset.UtcNow;
                var resources = await sampler.StopAsync(cancellation);
                var windowStart = loadStart + scale.Warmup;
                var applied = await context.Database.FinishedBetweenAsync(windowStart, loadEnd, cancellation);
                var appliedInSampler = await context.Database.FinishedBetweenAsync(loadStart, loadEnd, cancellation);
                var backlog = await context.Database.UnfinishedAsync(cancellation);

                // With nothing arriving any more, how fast does the backlog go? Separates the handler's own cost from
                // the contention with the acks.
                await Task.Delay(DrainWindow + TimeSpan.FromSeconds(1), cancellation);
                var drained = await context.Database.FinishedBetweenAsync(loadEnd.AddSeconds(1), loadEnd.AddSeconds(1) + DrainWindow, cancellation);
                var measurement = new WebhookMeasurement(
                    applied / (loadEnd - windowStart).TotalSeconds, outcome.SucceededPerSecond, outcome.Failed, outcome.RanOut,
                    backlog, resources, appliedInSampler, await context.Database.OutcomesAsync(cancellation), ErrorLogEntries(started),
                    drained / DrainWindow.TotalSeconds, await context.Database.FinishedPerSecondAsync(loadStart, loadEnd + DrainWindow, cancellation));
                BenchContext.Log(string.Create(CultureInfo.InvariantCulture,
                    $"  {hosts} host(s), {connections} connections: applied {measurement.AppliedPerSecond:F0}/s, acked {measurement.AckedPerSecond:F0}/s, " +
                    $"failed {measurement.Failed}, backlog {measurement.Backlog}, drain {measurement.DrainPerSecond:F0}/s, RSS {resources.SteadyRssMegabytes:F0} MB; per second: {measurement.PerSecondText}"));
                return measurement;
            }
            finally
            {
                foreach (var client in clients)
                {
                    client.Dispose();
                }
            }
        }
        finally
        {
            foreach (var host in started)
            {
                await host.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Wolverine generates and compiles its handler code (Roslyn) on the first message of each kind, which takes
    /// seconds on two cores: a few webhooks of both kinds go through and are applied before any window opens.
    /// </summary>
    public static async Task PrimeAsync(BenchContext context, WebhookFeed feed, IReadOnlyList<WebhookClient> clients, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(feed);
        ArgumentNullException.ThrowIfNull(clients);
        await ClosedLoop.RunAsync(clients.Count * 2, TimeSpan.FromMinutes(1), async (worker, token) =>
            feed.Handed < PrimingWebhooks && feed.Next() is { } webhook ? await clients[worker % clients.Count].SendAsync(webhook, token) : null,
            cancellation);
        for (var i = 0; i < 240 && await context.Database.UnfinishedAsync(cancellation) > 0; i++)
        {
            await Task.Delay(250, cancellation);
        }
    }

    /// <summary>Drops the schema and seeds pending payments through the host's own store configuration.</summary>
    public static async Task<IReadOnlyList<SeededPayment>> SeedAsync(BenchContext context, int count, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        await context.Database.ResetSchemaAsync(cancellation);
        await using var seed = await SeedStore.CreateAsync(context.Options.ConnectionString, cancellation);
        return await PaymentSeeder.SeedPendingAsync(seed.Store, count, cancellation);
    }

    /// <summary>
    /// The host's async daemon first projects the seeded events: that work must not fall inside the window. Bounded:
    /// after a minute the load starts anyway and the log says so.
    /// </summary>
    public static async Task WaitForDaemonAsync(BenchContext context, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        for (var i = 0; i < 120; i++)
        {
            if (await context.Database.DaemonCaughtUpAsync(cancellation))
            {
                return;
            }

            await Task.Delay(500, cancellation);
        }

        BenchContext.Log("  the async daemon had not caught up with the seed after 60 s; loading anyway");
    }

    /// <summary>
    /// Error entries (<c>fail:</c>) in the hosts' logs: a fleet that fights over its work (two nodes running one
    /// projection, conflicting writers) shows here.
    /// </summary>
    private static int ErrorLogEntries(IEnumerable<ServiceProcess> hosts) => hosts.Sum(h =>
    {
        try
        {
            return File.ReadLines(h.LogPath).Count(l => l.StartsWith("fail:", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return 0;
        }
    });
}
