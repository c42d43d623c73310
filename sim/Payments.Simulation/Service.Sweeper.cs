using Payments.Domain;
using Payments.Host.FollowUps;
using Payments.Host.Payments;

namespace Payments.Simulation;

/// <summary>The sweeper, as the host runs it.</summary>
internal sealed partial class Service
{
    // ---- the sweeper (Sweeper.SweepAsync) ------------------------------------------------------------------------------

    /// <summary>Gives an undecided payment or refund whose check is missing from the inbox a new one, due when it would have been.</summary>
    public void Sweep(PaymentRun run)
    {
        if (Store.Load(run.Id) is not { } payment)
        {
            return;
        }

        var now = Scheduler.Now;
        var expected = FollowUpCheck.For(payment, sim.Timings);
        foreach (var check in expected)
        {
            if (now - check.Since < sim.SweeperOptions.SettleTime
                || run.Pending.Exists(e => CheckTarget.Of(e.Message) is { } target && check.CoveredBy.Contains(target)))
            {
                continue;
            }

            var due = check.DueBy > now ? check.DueBy : now;
            var neverScheduled = !check.CoveredBy.Any(run.LostChecks.Contains);
            if (neverScheduled)
            {
                run.NeverScheduledChecks++;
            }

            sim.Log(run, $"sweeper: no pending check, re-created {Show(check.Message)} due {Scheduler.Format(due)}" +
                         (neverScheduled ? " (none was lost: nothing had scheduled it)" : ""));
            Schedule(run, check.Message, due - now);
        }
    }
}
