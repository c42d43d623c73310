using System.Diagnostics;
using System.Globalization;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Payments.Bench.Infrastructure;
using Payments.Bench.Report;
using Payments.Host.BackOffice;
using Payments.Host.EventStore;

namespace Payments.Bench.Figures;

/// <summary>
/// Seeds N payments × 4 events (requested, pending, approved, captured) with Marten's COPY path
/// (<c>BulkInsertEventsAsync</c>: its bulk append rate is the baseline), then rebuilds the host's projections with
/// Marten's daemon (<c>RebuildProjectionAsync</c>), in events per second.
/// </summary>
internal sealed class ProjectionRebuildFigure : IFigure
{
    private const int EventsPerPayment = 4;
    private const int StreamsPerCopy = 25_000;
    private static readonly TimeSpan RebuildLimit = TimeSpan.FromMinutes(15);

    public string Key => "rebuild";

    public async Task<IReadOnlyList<FigureRow>> RunAsync(BenchContext context, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var payments = context.Scale.RebuildPayments;
        var events = payments * EventsPerPayment;
        var append = new List<double>();
        var rebuilds = new Dictionary<string, List<double>> { ["DailyTotalsProjection (async)"] = [], ["AttentionProjection (async)"] = [], ["PaymentProjection (inline snapshot)"] = [] };
        for (var repeat = 0; repeat < Math.Min(context.Options.Repeats, context.Scale.RebuildRepeats); repeat++)
        {
            await context.Database.ResetSchemaAsync(cancellation);
            await using var seed = await SeedStore.CreateAsync(context.Options.ConnectionString, cancellation);
            var store = seed.Store;
            append.Add(events / await TimeAsync(() => BulkAppendAsync(store, payments, cancellation)));
            BenchContext.Log(string.Create(CultureInfo.InvariantCulture, $"  bulk append {events:N0} events: {append[^1]:F0} events/s"));
            using var daemon = await store.BuildProjectionDaemonAsync();
            rebuilds["DailyTotalsProjection (async)"].Add(events / await TimeAsync(() => daemon.RebuildProjectionAsync<DailyTotalsProjection>(RebuildLimit, cancellation)));
            rebuilds["AttentionProjection (async)"].Add(events / await TimeAsync(() => daemon.RebuildProjectionAsync<AttentionProjection>(RebuildLimit, cancellation)));
            // The inline snapshot is the slowest (one document per stream); once per run keeps the full run in budget.
            if (context.Scale.RebuildInline && repeat == 0)
            {
                rebuilds["PaymentProjection (inline snapshot)"].Add(events / await TimeAsync(() => daemon.RebuildProjectionAsync<PaymentProjection>(RebuildLimit, cancellation)));
            }

            BenchContext.Log("  rebuilds: " + string.Join(", ", rebuilds.Where(r => r.Value.Count > 0).Select(r => $"{r.Key} {r.Value[^1]:F0} events/s")));
            await daemon.StopAllAsync();
        }

        var baseline = Spread.Of(append);
        return [.. rebuilds.Where(r => r.Value.Count > 0).Select(r => new FigureRow(
            $"Projection rebuild of {events:N0} events: {r.Key}", Spread.Of(r.Value), "events/s", "N0",
            "Marten BulkInsertEventsAsync (COPY)", r.Value.Count == baseline.Samples.Count ? baseline : Spread.Of(baseline.Samples.Take(r.Value.Count)),
            Target.AtLeast(50_000, "≥ 50k events/s"), TargetOnRatio: false,
            [
                string.Create(CultureInfo.InvariantCulture,
                    $"{payments:N0} payments × {EventsPerPayment} events (requested, pending, approved, captured) appended with " +
                    $"`IDocumentStore.BulkInsertEventsAsync` in COPY batches of {StreamsPerCopy:N0} streams (the baseline, events/s), then " +
                    $"`IProjectionDaemon.RebuildProjectionAsync<T>` on a daemon built from the host's own store configuration; one projection at a time. " +
                    $"Repeats: {Math.Min(context.Options.Repeats, context.Scale.RebuildRepeats)} (each rebuild of 1M events takes minutes here, so the full run measures it once)."),
            ],
            [$"{r.Key}: {Spread.Of(r.Value).Format("events/s")} against bulk append {baseline.Format("events/s")}."]))];
    }

    /// <summary>Seconds the work took.</summary>
    private static async Task<double> TimeAsync(Func<Task> work)
    {
        var clock = Stopwatch.StartNew();
        await work();
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task BulkAppendAsync(IDocumentStore store, int payments, CancellationToken cancellation)
    {
        for (var first = 0; first < payments; first += StreamsPerCopy)
        {
            var streams = new List<StreamAction>(StreamsPerCopy);
            for (var i = first; i < Math.Min(payments, first + StreamsPerCopy); i++)
            {
                streams.Add(PaymentSeeder.CapturedStream(store, i));
            }

            await store.BulkInsertEventsAsync(streams, 10_000, cancellation);
        }
    }
}
