using System.Collections.Concurrent;
using System.Diagnostics;

namespace Payments.Bench.Infrastructure;

/// <summary>Every process this run starts, so that none outlives it: on success, failure, Ctrl+C or SIGTERM.</summary>
internal static class ChildProcesses
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();

    public static Process Start(ProcessStartInfo start)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        Running[process.Id] = process;
        return process;
    }

    public static void Forget(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        Running.TryRemove(process.Id, out _);
    }

    public static void KillAll()
    {
        foreach (var process in Running.Values)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        Running.Clear();
    }
}
