using Payments.Domain;

namespace Payments.Simulation;

/// <summary>One payment that broke an invariant: what broke, its own lines of history, and the faults it met.</summary>
public sealed record PaymentFailure(int Index, Guid PaymentId, IReadOnlyList<string> Violations, IReadOnlyList<string> History,
    IReadOnlyList<FaultRecord> Faults);

/// <summary>What a run did and found.</summary>
public sealed record SimulationResult(
    SimulationOptions Options, int Payments, long Events, long Jobs, long HistoryLines, TimeSpan SimulatedTime, string HistoryHash,
    string? History, IReadOnlyDictionary<string, int> Outcomes, int Flagged, int FaultsInjected, IReadOnlyList<PaymentFailure> Failures)
{
    /// <summary>Each payment's own lines, by index (kept with <see cref="SimulationOptions.KeepHistory"/>).</summary>
    public IReadOnlyDictionary<int, IReadOnlyList<string>> Histories { get; init; } = new Dictionary<int, IReadOnlyList<string>>();

    /// <summary>Checks the sweeper created although none had been lost (nothing had scheduled them), and for how many payments.</summary>
    public int NeverScheduledChecks { get; init; }

    public int PaymentsWithNeverScheduledChecks { get; init; }

    /// <summary>Payments whose merchant was answered 201 Pending without KNET's link (the customer could not pay).</summary>
    public int AnsweredWithoutLink { get; init; }

    /// <summary>Payments that expired with a customer who never had KNET's link (the merchant never learnt it).</summary>
    public int ExpiredWithoutLink { get; init; }

    /// <summary>Why payments were flagged for an operator, ids and counts left out, with how many.</summary>
    public IReadOnlyDictionary<string, int> FlagReasons { get; init; } = new Dictionary<string, int>();

    public bool Passed => Failures.Count == 0;
}

/// <summary>
/// The simulator (docs/architecture.md, "Deterministic simulation"): from one seed, payments, their customers, the
/// merchant and Checkout.com, through the service's own decisions, with faults; then the invariants.
/// </summary>
public static partial class Simulator
{
    [System.Text.RegularExpressions.GeneratedRegex("[0-9a-f]{8}-[0-9a-f-]{27}|[0-9]+")]
    private static partial System.Text.RegularExpressions.Regex Digits();

    /// <summary>The sweeper stops this long after the last payment was asked for; every bounded chain has ended by then.</summary>
    public static readonly TimeSpan Tail = TimeSpan.FromHours(14);

    public static SimulationResult Run(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        using var world = new World(options);
        var byIndex = new Dictionary<int, PaymentRun>();
        for (var index = 0; index < options.Payments; index++)
        {
            if (options.OnlyPayment is { } only && only != index)
            {
                continue;
            }

            var run = new PaymentRun(index, options.Seed, world.Scheduler, options.SuppressedFaults);
            run.Plan = Plan(run, options);
            world.Runs.Add(run);
            byIndex[index] = run;
            var created = Scheduler.Start + run.Plan.CreatedAfter;
            world.Scheduler.At(created, () => world.Service.CreatePayment(run, 1));
            foreach (var refund in run.Plan.Refunds)
            {
                world.Scheduler.At(created + refund.After, () => world.Service.RequestRefund(run, refund, run.NewGuid(), 1, 2));
            }
        }

        if (options.Sweeper)
        {
            world.StartSweeper(Scheduler.Start + options.CreationWindow + Tail, byIndex);
        }

        while (world.Scheduler.RunNext())
        {
        }

        var failures = world.Runs.Select(run => Invariants.Check(world, run)).OfType<PaymentFailure>().ToList();
        var outcomes = world.Runs.Select(r => world.Store.Load(r.Id)?.Status.ToString() ?? "NotCreated")
            .GroupBy(s => s, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return new SimulationResult(options, world.Runs.Count, world.Store.Appended, world.Scheduler.JobsRun, world.Lines,
            world.Scheduler.Now - Scheduler.Start, world.HistoryHash, world.History, outcomes,
            world.Runs.Count(r => world.Store.Load(r.Id)?.NeedsReview == true),
            world.Runs.Sum(r => r.Faults.Count(f => !f.Suppressed)), failures)
        {
            FlagReasons = world.Runs.SelectMany(r => world.Store.Load(r.Id)?.ReviewFlags ?? [])
                .Select(f => Digits().Replace(f.Reason, "#")).GroupBy(r => r, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            NeverScheduledChecks = world.Runs.Sum(r => r.NeverScheduledChecks),
            PaymentsWithNeverScheduledChecks = world.Runs.Count(r => r.NeverScheduledChecks > 0),
            AnsweredWithoutLink = world.Runs.Count(r => r.AnsweredWithoutLink),
            ExpiredWithoutLink = world.Runs.Count(r => !r.CustomerHasLink && world.Store.Load(r.Id)?.Status == PaymentStatus.Expired),
            Histories = options.KeepHistory ? world.Runs.ToDictionary(r => r.Index, r => (IReadOnlyList<string>)r.Lines) : new Dictionary<int, IReadOnlyList<string>>(),
        };
    }

    /// <summary>What this payment's customer, merchant and bank will do, drawn in a fixed order from its own stream.</summary>
    private static PaymentPlan Plan(PaymentRun run, SimulationOptions options)
    {
        var createdAfter = options.CreationWindow * run.Uniform();
        var amount = 10L * run.Random.Next(1, 50_000);
        var invalid = run.Uniform() < 0.03;
        var choice = run.Uniform() switch
        {
            < 0.55 => CustomerChoice.Pays,
            < 0.65 => CustomerChoice.PaysButBankDeclines,
            < 0.82 => CustomerChoice.Cancels,
            _ => CustomerChoice.LeavesThePageOpen,
        };
        var takes = run.Between(TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(390));
        var knetAfter = run.Between(TimeSpan.Zero, TimeSpan.FromMinutes(5));
        var knetNever = run.Uniform() < 0.02;
        var count = run.Uniform() switch
        {
            < 0.4 => 0,
            < 0.75 => 1,
            < 0.9 => 2,
            _ => 3,
        };
        var refunds = new List<PlannedRefund>();
        for (var i = 0; i < count; i++)
        {
            var after = run.Between(TimeSpan.FromMinutes(2), TimeSpan.FromHours(3));
            long? value = run.Uniform() switch
            {
                < 0.6 => 10L * run.Random.Next(1, (int)(amount / 10) + 1),
                < 0.85 => null,
                _ => amount + 10L * run.Random.Next(1, 100),
            };
            refunds.Add(new PlannedRefund(after, value));
        }

        // Drawn last, so the draws above are those of the plans before the customer's return was simulated.
        TimeSpan? back = run.Uniform() < 0.8 ? run.Between(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20)) : null;
        return new PaymentPlan(createdAfter, amount, invalid, choice, takes, knetAfter, knetNever,
            choice == CustomerChoice.Pays && !invalid ? refunds : [])
        {
            ComesBackAfter = back,
        };
    }
}
