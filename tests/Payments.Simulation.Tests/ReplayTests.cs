using Shouldly;

namespace Payments.Simulation.Tests;

/// <summary>Everything follows from the seed: no clock, no Guid.NewGuid, no thread timing.</summary>
public sealed class when_a_seed_is_replayed
{
    [Fact]
    public void the_same_seed_gives_the_identical_history()
    {
        var options = new SimulationOptions { Seed = 7, Payments = 150, KeepHistory = true };

        var first = Simulator.Run(options);
        var second = Simulator.Run(options);

        first.History.ShouldNotBeNullOrEmpty();
        second.History.ShouldBe(first.History);
        second.HistoryHash.ShouldBe(first.HistoryHash);
        second.Events.ShouldBe(first.Events);
    }

    [Fact]
    public void another_seed_gives_another_history()
    {
        var seven = Simulator.Run(new SimulationOptions { Seed = 7, Payments = 150 });
        var eight = Simulator.Run(new SimulationOptions { Seed = 8, Payments = 150 });

        eight.HistoryHash.ShouldNotBe(seven.HistoryHash);
    }

    [Fact]
    public void a_payment_replayed_alone_runs_exactly_as_it_ran_among_the_others()
    {
        var options = new SimulationOptions { Seed = 7, Payments = 150, KeepHistory = true };
        var all = Simulator.Run(options);

        foreach (var index in new[] { 0, 41, 149 })
        {
            var alone = Simulator.Run(options with { OnlyPayment = index });

            alone.Payments.ShouldBe(1);
            alone.Histories[index].ShouldBe(all.Histories[index]);
        }
    }
}
