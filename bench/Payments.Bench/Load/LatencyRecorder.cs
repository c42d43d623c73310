using HdrHistogram;

namespace Payments.Bench.Load;

/// <summary>An HdrHistogram of latencies in microseconds (1 µs to 10 min, 3 significant digits), safe to record from many tasks.</summary>
internal sealed class LatencyRecorder
{
    private const long Highest = 600_000_000;
    private readonly LongHistogram histogram = new(1, Highest, 3);
    private readonly Lock gate = new();

    public void Record(TimeSpan latency)
    {
        var micros = Math.Clamp((long)latency.TotalMicroseconds, 1, Highest);
        lock (gate)
        {
            histogram.RecordValue(micros);
        }
    }

    public long Count
    {
        get
        {
            lock (gate)
            {
                return histogram.TotalCount;
            }
        }
    }

    /// <summary>The latency at <paramref name="percentile"/> (0–100), in milliseconds.</summary>
    public double Milliseconds(double percentile)
    {
        lock (gate)
        {
            return histogram.TotalCount == 0 ? double.NaN : histogram.GetValueAtPercentile(percentile) / 1000.0;
        }
    }
}
