using System.Diagnostics;
using System.Globalization;

namespace Payments.Bench.Infrastructure;

/// <summary>
/// Where the machine's two cores went during a window, and how much the database did: CPU seconds of the hosts, of
/// PostgreSQL and of this load generator, the hosts' resident memory every half second, and pg_stat_database deltas.
/// </summary>
internal sealed class ResourceSampler : IAsyncDisposable
{
    private readonly IReadOnlyList<ServiceProcess> hosts;
    private readonly BenchDatabase database;
    private readonly List<long> rss = [];
    private readonly CancellationTokenSource stop = new();
    private readonly Task sampling;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly TimeSpan hostCpu, postgresCpu, selfCpu;
    private readonly (long Busy, long Total) machine;
    private readonly DatabaseCounters counters;
    private readonly IReadOnlyDictionary<string, long> tableWrites;

    private ResourceSampler(IReadOnlyList<ServiceProcess> hosts, BenchDatabase database, DatabaseCounters counters, IReadOnlyDictionary<string, long> tableWrites)
    {
        this.hosts = hosts;
        this.database = database;
        this.counters = counters;
        this.tableWrites = tableWrites;
        hostCpu = HostCpu();
        postgresCpu = ProcFs.CpuTimeOfAll("postgres");
        selfCpu = Process.GetCurrentProcess().TotalProcessorTime;
        machine = MachineJiffies();
        sampling = SampleAsync(stop.Token);
    }

    public static async Task<ResourceSampler> StartAsync(IReadOnlyList<ServiceProcess> hosts, BenchDatabase database, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(database);
        return new ResourceSampler(hosts, database, await database.CountersAsync(cancellation), await database.TableWritesAsync(cancellation));
    }

    private TimeSpan HostCpu() => hosts.Aggregate(TimeSpan.Zero, (sum, h) => sum + h.CpuTime());

    private async Task SampleAsync(CancellationToken cancellation)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        try
        {
            while (await timer.WaitForNextTickAsync(cancellation))
            {
                var total = hosts.Sum(h => h.RssBytes() ?? 0);
                lock (rss)
                {
                    rss.Add(total / hosts.Count);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped.
        }
    }

    public async Task<ResourceWindow> StopAsync(CancellationToken cancellation)
    {
        await stop.CancelAsync();
        await sampling;
        var (busy, total) = MachineJiffies();
        var delta = (await database.CountersAsync(cancellation)) - counters;
        var writes = (await database.TableWritesAsync(cancellation))
            .Select(t => (Table: t.Key, Rows: t.Value - tableWrites.GetValueOrDefault(t.Key)))
            .Where(t => t.Rows > 0).OrderByDescending(t => t.Rows).ToDictionary(t => t.Table, t => t.Rows);
        long[] samples;
        lock (rss)
        {
            samples = [.. rss];
        }

        return new ResourceWindow(clock.Elapsed, HostCpu() - hostCpu, ProcFs.CpuTimeOfAll("postgres") - postgresCpu,
            Process.GetCurrentProcess().TotalProcessorTime - selfCpu,
            total == machine.Total ? 0 : (double)(busy - machine.Busy) / (total - machine.Total), samples, delta, writes,
            ProcFs.LoadAverage());
    }

    /// <summary>Busy and total jiffies of all CPUs (/proc/stat: idle and iowait are not busy).</summary>
    private static (long Busy, long Total) MachineJiffies()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Take(8).Sum();
        return (total - fields[3] - fields[4], total);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await sampling;
        stop.Dispose();
    }
}

/// <summary>One window's resource use. <see cref="RssPerHost"/> are samples of the mean VmRSS per host, in bytes.</summary>
internal sealed record ResourceWindow(
    TimeSpan Elapsed, TimeSpan HostCpu, TimeSpan PostgresCpu, TimeSpan BenchCpu, double MachineBusy,
    IReadOnlyList<long> RssPerHost, DatabaseCounters Database, IReadOnlyDictionary<string, long> TableWrites, double LoadAverage)
{
    /// <summary>Median RSS after the first quarter of the window (start-up and JIT settled), in MB.</summary>
    public double SteadyRssMegabytes => RssPerHost.Count == 0 ? 0
        : Median(RssPerHost.Skip(RssPerHost.Count / 4).Select(b => b / 1048576.0).ToList());

    public double MaxRssMegabytes => RssPerHost.Count == 0 ? 0 : RssPerHost.Max() / 1048576.0;

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count % 2 == 1 ? values[values.Count / 2] : (values[(values.Count / 2) - 1] + values[values.Count / 2]) / 2;
    }

    /// <summary>One line for the report: CPU seconds and database work per unit of work done in the window.</summary>
    public string PerOperation(long operations, string unit) => operations <= 0 ? "no operations" : string.Create(CultureInfo.InvariantCulture,
        $"per {unit}: host CPU {HostCpu.TotalMilliseconds / operations:F2} ms, PostgreSQL CPU {PostgresCpu.TotalMilliseconds / operations:F2} ms, " +
        $"load generator CPU {BenchCpu.TotalMilliseconds / operations:F2} ms; commits {(double)Database.Commits / operations:F2}, " +
        $"rows inserted {(double)Database.Inserted / operations:F2}, updated {(double)Database.Updated / operations:F2}, " +
        $"deleted {(double)Database.Deleted / operations:F2}; machine CPU busy {MachineBusy:P0}, load average {LoadAverage:F1} " +
        $"(PostgreSQL CPU counts every database's backends, other people's too); rows written per table per {unit}: " +
        $"{string.Join(", ", TableWrites.Take(8).Select(t => $"{t.Key} {(double)t.Value / operations:F2}"))}");
}
