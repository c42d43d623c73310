using System.Globalization;
using Payments.Bench.Report;

namespace Payments.Bench.Figures;

/// <summary>
/// 1, 2 and 3 host processes on one database and schema, same configuration, 16 senders spread round-robin over
/// them; applied webhooks per second. Repeats interleave the host counts so the machine's noise falls on all three.
/// </summary>
internal sealed class HostScalingFigure : IFigure
{
    private const int Connections = 16;
    private static readonly int[] HostCounts = [1, 2, 3];

    public string Key => "hosts";

    public async Task<IReadOnlyList<FigureRow>> RunAsync(BenchContext context, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var runs = HostCounts.ToDictionary(n => n, _ => new List<WebhookMeasurement>());
        for (var repeat = 0; repeat < context.Options.Repeats; repeat++)
        {
            foreach (var hosts in HostCounts)
            {
                runs[hosts].Add(await WebhookRun.MeasureAsync(context, hosts, Connections, cancellation));
            }
        }

        var one = Spread.Of(runs[1].Select(r => r.AppliedPerSecond));
        var curve = string.Join(" → ", HostCounts.Select(n => string.Create(CultureInfo.InvariantCulture,
            $"{n} host{(n == 1 ? "" : "s")} {Spread.Of(runs[n].Select(r => r.AppliedPerSecond)).Median:F0}/s")));
        return [.. HostCounts.Select(n => new FigureRow(
            $"Webhook throughput, {n} host{(n == 1 ? "" : "s")} (16 senders round-robin)",
            Spread.Of(runs[n].Select(r => r.AppliedPerSecond)), "webhooks/s", "N0",
            n == 1 ? null : "1 host", n == 1 ? null : one,
            n == HostCounts[^1] ? Target.AtLeast(0.9, "≥ 0.9× 1 host") : Target.None, TargetOnRatio: true,
            [
                string.Create(CultureInfo.InvariantCulture,
                    $"Curve (medians): {curve}. Each host: the same configuration (pool {Connections}, the fleet's Balanced durability " +
                    $"and Wolverine-distributed projections), its own port. Acked {Spread.Of(runs[n].Select(r => r.AckedPerSecond)).Format("webhooks/s")}; " +
                    $"failed acks {runs[n].Sum(r => r.Failed)}; backlog at the end {string.Join(", ", runs[n].Select(r => r.Backlog))}; " +
                    $"error entries (`fail:`) in the hosts' logs {string.Join(", ", runs[n].Select(r => r.ErrorLogEntries))}; " +
                    $"outcomes (last run): {runs[n][^1].OutcomeText}."),
            ],
            [.. runs[n].Select((r, i) => $"run {i + 1}: " + r.Resources.PerOperation(r.AppliedInSampler, "applied webhook") +
            $"; with no more arriving the backlog drained at {r.DrainPerSecond:F0}/s; applied in each second of load + drain: {r.PerSecondText}")]))];
    }
}
