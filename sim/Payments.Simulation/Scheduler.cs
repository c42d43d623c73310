namespace Payments.Simulation;

/// <summary>
/// Simulated time: a priority queue of things due, run one at a time in (due, insertion) order. Nothing reads a real
/// clock; two runs of one seed run the same jobs in the same order.
/// </summary>
internal sealed class Scheduler
{
    public static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly PriorityQueue<Action, (long Due, long Sequence)> queue = new();
    private long sequence;

    public DateTimeOffset Now { get; private set; } = Start;

    public int Count => queue.Count;

    public long JobsRun { get; private set; }

    public void At(DateTimeOffset due, Action job)
    {
        if (due < Now)
        {
            due = Now;
        }

        queue.Enqueue(job, (due.UtcTicks, sequence++));
    }

    public void After(TimeSpan delay, Action job) => At(Now + delay, job);

    /// <summary>Runs the next job; false when nothing is left.</summary>
    public bool RunNext()
    {
        if (!queue.TryDequeue(out var job, out var key))
        {
            return false;
        }

        Now = new DateTimeOffset(key.Due, TimeSpan.Zero);
        JobsRun++;
        job();
        return true;
    }

    /// <summary>Elapsed simulated time as the history shows it.</summary>
    public string Stamp => Format(Now);

    public static string Format(DateTimeOffset at)
    {
        var elapsed = at - Start;
        return $"{(int)elapsed.TotalHours:00}:{elapsed.Minutes:00}:{elapsed.Seconds:00}.{elapsed.Milliseconds:000}";
    }
}
