using System.Diagnostics;
using Payments.Bench.Figures;
using Payments.Bench.Infrastructure;
using Payments.Bench.Report;

namespace Payments.Bench;

/// <summary>Runs the figures in order (the webhook figure first: the latency figure loads at half its rate) and writes the report.</summary>
internal sealed class Runner(BenchOptions options)
{
    private static readonly IFigure[] Figures =
    [
        new WebhookThroughputFigure(),
        new WebhookLatencyFigure(),
        new RequestPaymentLatencyFigure(),
        new ProjectionRebuildFigure(),
        new BackOfficeListFigure(),
        new HostScalingFigure(),
        new ChainAppendFigure(),
    ];

    public async Task<int> RunAsync(CancellationToken cancellation)
    {
        var selected = Figures.Where(f => options.Only is null || f.Key == options.Only).ToList();
        if (selected.Count == 0)
        {
            await Console.Error.WriteLineAsync($"No figure named {options.Only}; one of: {string.Join(", ", Figures.Select(f => f.Key))}.");
            return 2;
        }

        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await using var database = new BenchDatabase(options.ConnectionString);
        var context = new BenchContext(options, database);
        var machine = await MachineInfo.ReadAsync(database, cancellation);
        var rows = new List<FigureRow>();
        var failures = new List<string>();
        foreach (var figure in selected)
        {
            BenchContext.Log($"figure {figure.Key}");
            try
            {
                await database.ResetSchemaAsync(cancellation);
                rows.AddRange(await figure.RunAsync(context, cancellation));
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellation.IsCancellationRequested)
            {
                // One broken figure must not cost the others: it is reported as failed, and the run exits non-zero.
                BenchContext.Log($"figure {figure.Key} failed: {e}");
                failures.Add($"`{figure.Key}`: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            }
            finally
            {
                ChildProcesses.KillAll();
            }
        }

        await database.ResetSchemaAsync(cancellation);
        var markdown = MarkdownReport.Render(options, machine, rows, failures, started, clock.Elapsed);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(options.Output))!);
        await File.WriteAllTextAsync(options.Output, markdown, cancellation);
        BenchContext.Log($"wrote {options.Output} in {clock.Elapsed.TotalMinutes:F1} min");
        Console.WriteLine(markdown);
        return failures.Count == 0 ? 0 : 1;
    }
}
