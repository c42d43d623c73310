using System.Text;

namespace Payments.Simulation;

/// <summary>A failing payment replayed alone with as few faults as still make it fail.</summary>
public sealed record ShrunkFailure(int Seed, PaymentFailure Failure, IReadOnlySet<int> LeftOut, bool ReplaysAlone, int Runs, Mutation Mutation, int Payments)
{
    public double FaultScale { get; init; } = 1;

    /// <summary>The command that replays exactly this history.</summary>
    public string ReplayCommand
    {
        get
        {
            var command = new StringBuilder($"scripts/simulate.sh --seed {Seed} --payments {Payments} --payment {Failure.Index}");
            if (LeftOut.Count > 0)
            {
                command.Append($" --without {string.Join(',', LeftOut.Order())}");
            }

            if (FaultScale != 1)
            {
                command.Append(System.Globalization.CultureInfo.InvariantCulture, $" --faults {FaultScale}");
            }

            if (Mutation != Mutation.None)
            {
                command.Append($" --mutation {Mutation}");
            }

            return command.ToString();
        }
    }

    /// <summary>What a person reads: what broke, how to replay it, the faults that remain, the payment's steps.</summary>
    public string Report()
    {
        var text = new StringBuilder();
        text.AppendLine($"FAILED: seed {Seed}, payment #{Failure.Index} ({Failure.PaymentId})");
        foreach (var violation in Failure.Violations)
        {
            text.AppendLine($"  violated: {violation}");
        }

        text.AppendLine($"  replay:   {ReplayCommand}");
        if (!ReplaysAlone)
        {
            text.AppendLine("  (the payment did not fail when replayed alone: its history below is from the whole run)");
        }

        var faults = Failure.Faults.Where(f => !f.Suppressed).ToList();
        text.AppendLine($"  faults that still happen ({faults.Count}; {LeftOut.Count} left out by shrinking in {Runs} runs): " +
                        string.Join(", ", faults.Select(f => $"#{f.Number} {f.Kind} at {f.At}")));
        text.AppendLine($"  minimal history ({Failure.History.Count} steps of this payment only):");
        foreach (var line in Failure.History)
        {
            text.Append("    ").AppendLine(line);
        }

        return text.ToString();
    }
}

/// <summary>
/// Replays one failing payment alone (its random stream is its own, so it runs as it ran among the others), then drops
/// its faults one at a time, keeping each drop that still fails.
/// </summary>
public static class Shrinker
{
    public static ShrunkFailure Shrink(SimulationOptions options, PaymentFailure failure, int maxRuns = 300)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(failure);
        var alone = options with { OnlyPayment = failure.Index, KeepHistory = false, SuppressedFaults = new HashSet<int>() };
        var runs = 1;
        if (Simulator.Run(alone).Failures is not [var current, ..])
        {
            return new ShrunkFailure(options.Seed, failure, new HashSet<int>(), false, runs, options.Mutation, options.Payments)
            {
                FaultScale = options.FaultScale,
            };
        }

        var leftOut = new HashSet<int>();
        var changed = true;
        while (changed && runs < maxRuns)
        {
            changed = false;
            foreach (var fault in current.Faults.Where(f => !f.Suppressed).ToList())
            {
                if (runs >= maxRuns)
                {
                    break;
                }

                var attempt = new HashSet<int>(leftOut) { fault.Number };
                runs++;
                if (Simulator.Run(alone with { SuppressedFaults = attempt }).Failures is [var still, ..])
                {
                    leftOut = attempt;
                    current = still;
                    changed = true;
                }
            }
        }

        return new ShrunkFailure(options.Seed, current, leftOut, true, runs, options.Mutation, options.Payments)
        {
            FaultScale = options.FaultScale,
        };
    }
}
