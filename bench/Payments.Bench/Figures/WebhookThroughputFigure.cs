using System.Globalization;
using Payments.Bench.Infrastructure;
using Payments.Bench.Report;

namespace Payments.Bench.Figures;

/// <summary>
/// Signed webhook → event applied, sustained, at 8 and 16 connections, beside pgbench at the same connections in the
/// same repeat; the host's RSS is sampled during the 16-connection load (the "steady load" of the RSS figure).
/// </summary>
internal sealed class WebhookThroughputFigure : IFigure
{
    private static readonly int[] Connections = [8, 16];

    public string Key => "webhooks";

    public async Task<IReadOnlyList<FigureRow>> RunAsync(BenchContext context, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var pgbench = new PgBench(context.Options, context.Database);
        var rows = new List<FigureRow>();
        var memory = new List<WebhookMeasurement>();
        foreach (var connections in Connections)
        {
            var runs = new List<WebhookMeasurement>();
            var tps = new List<double>();
            for (var repeat = 0; repeat < context.Options.Repeats; repeat++)
            {
                runs.Add(await WebhookRun.MeasureAsync(context, hosts: 1, connections, cancellation));
                await context.Database.ResetSchemaAsync(cancellation);
                tps.Add(await pgbench.RunAsync(connections, context.Scale.PgBench, cancellation));
                BenchContext.Log(string.Create(CultureInfo.InvariantCulture, $"  pgbench -c {connections}: {tps[^1]:F0} tps"));
            }

            var applied = Spread.Of(runs.Select(r => r.AppliedPerSecond));
            context.MaxAppliedRate = Math.Max(context.MaxAppliedRate ?? 0, applied.Median);
            if (connections == Connections[^1])
            {
                memory = runs;
            }

            rows.Add(new FigureRow($"Signed webhook → event applied, sustained, {connections} connections", applied, "webhooks/s", "N0",
                $"pgbench -c {connections} -j 2", Spread.Of(tps), Target.AtLeast(0.5, "≥ 0.5× pgbench"), TargetOnRatio: true,
                Notes(context, connections, runs), Evidence(runs), BaselineUnit: "transactions/s"));
        }

        rows.Add(RssRow(memory));
        return rows;
    }

    private static List<string> Notes(BenchContext context, int connections, IReadOnlyList<WebhookMeasurement> runs) =>
    [
        string.Create(CultureInfo.InvariantCulture,
            $"{connections} closed-loop senders (HTTP keep-alive), host pool `Maximum Pool Size={connections}`; lifecycle webhooks " +
            $"(`payment_capture_pending`, then `payment_captured`) for payments seeded as the API leaves them (PaymentRequested + " +
            $"PaymentPending, inline snapshot). Applied = webhooks whose ProcessedAt falls in the {context.Scale.Window.TotalSeconds:F0} s " +
            $"window after {context.Scale.Warmup.TotalSeconds:F0} s of warm-up. Acknowledged: " +
            $"{Spread.Of(runs.Select(r => r.AckedPerSecond)).Format("webhooks/s")}; backlog left unprocessed at the end: " +
            $"{string.Join(", ", runs.Select(r => r.Backlog))}; failed acks: {runs.Sum(r => r.Failed)}" +
            $"{(runs.Any(r => r.RanOut) ? "; the seeded payments ran out in some run (the figure is then a lower bound)." : ".")}" +
            $" Outcomes (last run): {runs[^1].OutcomeText}. pgbench: bench/pgbench/append.sql, -T {context.Scale.PgBench.TotalSeconds:F0}."),
    ];

    private static List<string> Evidence(IReadOnlyList<WebhookMeasurement> runs) =>
    [
        .. runs.Select((r, i) => $"run {i + 1}: acked {r.AckedPerSecond:F0}/s vs applied {r.AppliedPerSecond:F0}/s; " +
                                 r.Resources.PerOperation(r.AppliedInSampler, "applied webhook") +
            $"; with no more arriving the backlog drained at {r.DrainPerSecond:F0}/s; applied in each second of load + drain: {r.PerSecondText}"),
    ];

    private static FigureRow RssRow(IReadOnlyList<WebhookMeasurement> runs) => new(
        $"Host RSS at steady load (webhooks, {Connections[^1]} connections)",
        Spread.Of(runs.Select(r => r.Resources.SteadyRssMegabytes)), "MB", "N0", null, null, Target.Below(300, "< 300 MB"),
        TargetOnRatio: false,
        [
            string.Create(CultureInfo.InvariantCulture,
                $"VmRSS of the host process (/proc/<pid>/status) every 500 ms during the sustained webhook load; the value is the median " +
                $"after the first quarter of the load, per run. Peak: {string.Join(", ", runs.Select(r => r.Resources.MaxRssMegabytes.ToString("F0", CultureInfo.InvariantCulture)))} MB. " +
                $"Default (server) GC of an ASP.NET Core app, as the host ships."),
        ],
        [.. runs.Select((r, i) => string.Create(CultureInfo.InvariantCulture,
            $"run {i + 1}: steady {r.Resources.SteadyRssMegabytes:F0} MB, peak {r.Resources.MaxRssMegabytes:F0} MB, backlog {r.Backlog} webhooks at the end"))]);
}
