using System.Diagnostics;

namespace Payments.Bench.Load;

/// <summary>
/// Requests on a fixed arrival schedule (request i is due at i / rate), whether or not earlier ones were answered.
/// Latency is counted from the due time, so a stall of the service (or of this sender) shows up in the tail instead
/// of silently slowing the schedule down (no coordinated omission). Service time, from the actual send, is kept too.
/// </summary>
internal static class OpenLoop
{
    public static async Task<LoadOutcome> RunAsync(
        double ratePerSecond, TimeSpan duration, Func<CancellationToken, Task<bool?>> operation,
        LatencyRecorder fromSchedule, LatencyRecorder serviceTime, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(fromSchedule);
        ArgumentNullException.ThrowIfNull(serviceTime);
        long succeeded = 0, failed = 0;
        var ranOut = false;
        var total = (long)(ratePerSecond * duration.TotalSeconds);
        var clock = Stopwatch.StartNew();
        var inFlight = new List<Task>((int)Math.Min(total, 1_000_000));
        for (long i = 0; i < total && !ranOut; i++)
        {
            var due = TimeSpan.FromSeconds(i / ratePerSecond);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellation);
            }

            inFlight.Add(Task.Run(async () =>
            {
                var sent = clock.Elapsed;
                bool? ok;
                try
                {
                    ok = await operation(cancellation);
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }
                catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    ok = false;
                }

                var answered = clock.Elapsed;
                if (ok is null)
                {
                    ranOut = true;
                    return;
                }

                fromSchedule.Record(answered - due);
                serviceTime.Record(answered - sent);
                Interlocked.Increment(ref ok.Value ? ref succeeded : ref failed);
            }, cancellation));
        }

        await Task.WhenAll(inFlight);
        return new LoadOutcome(succeeded, failed, clock.Elapsed, ranOut);
    }
}
