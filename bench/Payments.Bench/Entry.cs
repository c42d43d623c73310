using Payments.Bench.Infrastructure;

namespace Payments.Bench;

/// <summary>
/// <c>Payments.Bench [--quick] [--only figure] [--repeats n] --connection cs --root repo --out docs/benchmarks.md</c>.
/// Not top-level statements: the host's own <c>Program</c> class is referenced and would clash.
/// </summary>
internal static class Entry
{
    public static async Task<int> Main(string[] args)
    {
        if (BenchOptions.Parse(args) is not { } options)
        {
            await Console.Error.WriteLineAsync(BenchOptions.Usage);
            return 2;
        }

        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        // SIGTERM from scripts/bench.sh's trap: the processes this run started must not outlive it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcesses.KillAll();
        try
        {
            return await new Runner(options).RunAsync(stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("[bench] interrupted");
            return 130;
        }
        finally
        {
            ChildProcesses.KillAll();
        }
    }
}
