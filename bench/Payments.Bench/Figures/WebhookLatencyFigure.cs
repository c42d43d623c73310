using System.Globalization;
using Payments.Bench.Infrastructure;
using Payments.Bench.Load;
using Payments.Bench.Report;

namespace Payments.Bench.Figures;

/// <summary>
/// Webhook ack p99 and applied-lag p99 under an open-loop load at half the highest sustained applied rate measured
/// earlier in the same run (or, with <c>--only ack</c>, by one 16-connection probe first).
/// </summary>
internal sealed class WebhookLatencyFigure : IFigure
{
    private const int Connections = 16;
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(60);

    public string Key => "ack";

    public async Task<IReadOnlyList<FigureRow>> RunAsync(BenchContext context, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var max = context.MaxAppliedRate ??= (await WebhookRun.MeasureAsync(context, 1, Connections, cancellation)).AppliedPerSecond;
        var rate = Math.Max(1, max / 2);
        var ack = new List<double>();
        var lag = new List<double>();
        var notes = new List<string>();
        var evidence = new List<string>();
        for (var repeat = 0; repeat < context.Options.Repeats; repeat++)
        {
            var run = await MeasureAsync(context, rate, cancellation);
            ack.Add(run.AckP99);
            lag.Add(run.LagP99 * 1000);
            notes.Add(run.Text);
            evidence.Add(run.Evidence);
        }

        var how = string.Create(CultureInfo.InvariantCulture,
            $"Open loop at {rate:F0} webhooks/s = 0.5 × {max:F0}/s (the highest sustained applied rate of this run) for " +
            $"{context.Scale.OpenLoop.TotalSeconds:F0} s, 1 host, pool {Connections}. Ack latency from each request's scheduled time " +
            $"(HdrHistogram), so sender stalls count too.");
        return
        [
            new FigureRow("Webhook ack p99 at half the max applied rate", Spread.Of(ack), "ms", "F1", null, null,
                Target.Below(25, "< 25 ms"), TargetOnRatio: false, [how, .. notes], evidence),
            new FigureRow("Applied lag p99 (ProcessedAt − ReceivedAt) at half the max rate", Spread.Of(lag), "ms", "N0", null, null,
                Target.Below(1000, "< 1 s"), TargetOnRatio: false,
                [$"Over the webhooks received in the window, after the backlog drained (≤ {DrainLimit.TotalSeconds:F0} s); from the stored records."],
                evidence),
        ];
    }

    private sealed record Run(double AckP99, double LagP99, string Text, string Evidence);

    private static async Task<Run> MeasureAsync(BenchContext context, double rate, CancellationToken cancellation)
    {
        var duration = context.Scale.OpenLoop;
        var payments = await WebhookRun.SeedAsync(context, (int)(rate * duration.TotalSeconds / 2 * 1.2) + WebhookRun.PrimingWebhooks, cancellation);
        await using var sandbox = await context.Services.StartSandboxAsync(cancellation);
        await using var host = await context.Services.StartHostAsync(0, Connections, cancellation);
        await WebhookRun.WaitForDaemonAsync(context, cancellation);
        using var client = new WebhookClient(host.BaseAddress, 256);
        var feed = new WebhookFeed(payments, Services.SignatureKey);
        await WebhookRun.PrimeAsync(context, feed, [client], cancellation);
        var fromSchedule = new LatencyRecorder();
        var service = new LatencyRecorder();
        await using var sampler = await ResourceSampler.StartAsync([host], context.Database, cancellation);
        var start = DateTimeOffset.UtcNow;
        var outcome = await OpenLoop.RunAsync(rate, duration,
            async token => feed.Next() is { } webhook ? await client.SendAsync(webhook, token) : null, fromSchedule, service, cancellation);
        var end = DateTimeOffset.UtcNow;
        var drain = System.Diagnostics.Stopwatch.StartNew();
        while (await context.Database.UnfinishedAsync(cancellation) > 0 && drain.Elapsed < DrainLimit)
        {
            await Task.Delay(250, cancellation);
        }

        var resources = await sampler.StopAsync(cancellation);
        var (p50, p99, count) = await context.Database.LagAsync(start, end, cancellation);
        var backlog = await context.Database.UnfinishedAsync(cancellation);
        BenchContext.Log(string.Create(CultureInfo.InvariantCulture,
            $"  open loop {rate:F0}/s: ack p50 {fromSchedule.Milliseconds(50):F1} ms p99 {fromSchedule.Milliseconds(99):F1} ms, lag p99 {p99 * 1000:F0} ms, unfinished {backlog}"));
        var text = string.Create(CultureInfo.InvariantCulture,
            $"Run: {outcome.Succeeded} acked, {outcome.Failed} failed; ack p50 {fromSchedule.Milliseconds(50):F1} ms, p99.9 " +
            $"{fromSchedule.Milliseconds(99.9):F1} ms, max {fromSchedule.Milliseconds(100):F1} ms; service time (from the actual send) p99 " +
            $"{service.Milliseconds(99):F1} ms; applied lag p50 {p50 * 1000:F0} ms over {count} webhooks; unfinished after the drain: {backlog}.");
        return new Run(fromSchedule.Milliseconds(99), p99, text,
            resources.PerOperation(outcome.Succeeded, "acknowledged webhook (window includes the drain)"));
    }
}
