using Shouldly;

namespace Payments.Simulation.Tests;

/// <summary>
/// Break one rule of the service on purpose and see a seed fail, with the seed, a replay command and the failing
/// payment's own steps: the simulator catches what it claims to catch.
/// </summary>
public sealed class when_a_rule_is_broken_on_purpose
{
    private const int Payments = 300;

    [Theory]
    [InlineData(Mutation.SkipVersionCheck, "IllegalTransition")]
    [InlineData(Mutation.RefundIgnoresInFlight, "BalanceBreach")]
    [InlineData(Mutation.WebhookSkipsDecidedCheck, "a no-op that was written anyway")]
    public void a_seed_fails_with_a_minimal_history_that_replays(Mutation mutation, string violation)
    {
        var (options, result) = FirstFailingSeed(mutation);
        var failure = result.Failures[0];

        var shrunk = Shrinker.Shrink(options, failure);

        shrunk.ReplaysAlone.ShouldBeTrue();
        shrunk.Failure.Index.ShouldBe(failure.Index);
        shrunk.Failure.Violations.ShouldContain(v => v.Contains(violation, StringComparison.Ordinal));
        shrunk.Failure.Faults.Count(f => !f.Suppressed).ShouldBeLessThanOrEqualTo(failure.Faults.Count(f => !f.Suppressed));
        // Only the failing payment's steps: every line is stamped with its index.
        shrunk.Failure.History.ShouldAllBe(line => line.Contains($" p{failure.Index} ", StringComparison.Ordinal));
        var report = shrunk.Report();
        report.ShouldContain($"FAILED: seed {options.Seed}, payment #{failure.Index}");
        report.ShouldContain($"--mutation {mutation}");
        report.ShouldContain(shrunk.Failure.History[^1]);

        // The replay command's options fail again, the same way, step for step.
        var replay = Simulator.Run(options with
        {
            OnlyPayment = failure.Index, SuppressedFaults = shrunk.LeftOut.ToHashSet(), KeepHistory = true,
        });
        replay.Failures.ShouldHaveSingleItem().Violations.ShouldBe(shrunk.Failure.Violations);
        replay.Histories[failure.Index].ShouldBe(shrunk.Failure.History);

        // And the same payment of the same seed, with the rule kept, passes: the broken rule is the cause.
        Simulator.Run(options with { Mutation = Mutation.None, OnlyPayment = failure.Index }).Failures.ShouldBeEmpty();
    }

    private static (SimulationOptions Options, SimulationResult Result) FirstFailingSeed(Mutation mutation)
    {
        for (var seed = 1; seed <= 10; seed++)
        {
            var options = new SimulationOptions { Seed = seed, Payments = Payments, Mutation = mutation };
            var result = Simulator.Run(options);
            if (!result.Passed)
            {
                return (options, result);
            }
        }

        throw new ShouldAssertException($"no seed of 1..10 caught {mutation}");
    }
}
