using Payments.Domain;
using Shouldly;

namespace Payments.Simulation.Tests;

/// <summary>
/// The seeds CI runs on every build: each a few hundred payments through the real decisions with every fault on, and
/// every invariant checked at the end (docs/architecture.md, "Deterministic simulation").
/// </summary>
public sealed class when_fixed_seeds_are_simulated
{
    public const int Payments = 300;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void every_invariant_holds(int seed)
    {
        var result = Simulator.Run(new SimulationOptions { Seed = seed, Payments = Payments });

        result.Failures.ShouldBeEmpty(string.Join(Environment.NewLine,
            result.Failures.Take(3).Select(f => Shrinker.Shrink(result.Options, f).Report())));
        result.Payments.ShouldBe(Payments);
        // Every check that must follow an event is written with it: the sweeper re-creates only what a fault lost.
        // (A webhook that made a payment or refund Pending before Checkout.com's answer scheduled nothing: 33-56 of
        // these 300 payments per seed.)
        result.NeverScheduledChecks.ShouldBe(0);
        // A merchant answered 201 Pending always has KNET's link (before: 8-11 of these 300 per seed had none).
        result.AnsweredWithoutLink.ShouldBe(0);
    }

    [Fact]
    public void the_runs_reach_every_outcome_and_meet_every_fault()
    {
        var result = Simulator.Run(new SimulationOptions { Seed = 2, Payments = Payments, KeepHistory = true });

        // A run that passes because nothing happened proves nothing: each outcome is reached, each fault happens.
        foreach (var status in new[]
                 {
                     PaymentStatus.Captured, PaymentStatus.PartiallyRefunded, PaymentStatus.Refunded, PaymentStatus.Declined,
                     PaymentStatus.Canceled, PaymentStatus.Expired, PaymentStatus.Rejected,
                 })
        {
            result.Outcomes.ShouldContainKey(status.ToString());
        }

        result.Flagged.ShouldBeGreaterThan(0);
        var history = result.History!;
        foreach (var fault in new[]
                 {
                     "crash: ", "no answer (lost on the way, no effect)", "answer lost (timeout)", "network: webhook", "delivered again",
                     "→ 503 (nothing stored)", "inbox: ", "sweeper: no pending check, re-created", "concurrency conflict", "(delivery 2)",
                 })
        {
            history.ShouldContain(fault, Case.Sensitive, $"no '{fault}' in seed 2's history");
        }
    }
}
