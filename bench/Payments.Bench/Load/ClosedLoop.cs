using System.Diagnostics;

namespace Payments.Bench.Load;

/// <summary>What a load run did: operations answered with success, failures (non-2xx or exceptions), and how long it ran.</summary>
internal sealed record LoadOutcome(long Succeeded, long Failed, TimeSpan Elapsed, bool RanOut)
{
    public double SucceededPerSecond => Succeeded / Elapsed.TotalSeconds;
}

/// <summary>
/// N concurrent senders, each sending its next request as soon as the last is answered, for a fixed time: the most
/// the service accepts at that concurrency.
/// </summary>
internal static class ClosedLoop
{
    /// <summary>Runs the senders; <c>operation(worker, token)</c> sends one request and returns null when nothing is left to send.</summary>
    public static async Task<LoadOutcome> RunAsync(
        int workers, TimeSpan duration, Func<int, CancellationToken, Task<bool?>> operation, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        long succeeded = 0, failed = 0;
        var ranOut = false;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            while (clock.Elapsed < duration && !cancellation.IsCancellationRequested)
            {
                bool? ok;
                try
                {
                    ok = await operation(worker, cancellation);
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }
                catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
                {
                    ok = false;
                }

                if (ok is null)
                {
                    ranOut = true;
                    return;
                }

                Interlocked.Increment(ref ok.Value ? ref succeeded : ref failed);
            }
        }, cancellation)));
        cancellation.ThrowIfCancellationRequested();
        return new LoadOutcome(succeeded, failed, clock.Elapsed, ranOut);
    }
}
