using Shouldly;

namespace Payments.Simulation.Tests;

/// <summary>
/// The two gaps the simulator found in the host's sweeper (docs/architecture.md, "Deterministic simulation", "What it
/// caught"), each of which failed before the sweeper learned them, replayed against the fixed sweeper: the same payment,
/// the same seed and faults, no violation.
/// </summary>
public sealed class when_the_sweeper_covers_what_flags_do_not
{
    [Theory]
    [InlineData(5, 2000, 1504, 1.0)] // a refund on a payment flagged because KNET's record never came
    [InlineData(10, 2000, 1897, 1.0)] // a decided payment's reads of KNET's record lost
    [InlineData(13, 2000, 1023, 1.0)]
    public void the_payment_ends_decided_or_flagged_and_equal_to_the_ledger(int seed, int payments, int index, double faults)
    {
        var options = new SimulationOptions
        {
            Seed = seed, Payments = payments, OnlyPayment = index, FaultScale = faults, 
        };

        var result = Simulator.Run(options);

        result.Failures.ShouldBeEmpty();
    }
}
