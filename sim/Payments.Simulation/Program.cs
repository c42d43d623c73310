using System.Diagnostics;
using System.Globalization;
using Payments.Simulation;

// scripts/simulate.sh: many seeds (--seeds N [--start S]) or one replay (--seed S [--payment I] [--without 1,2]).
// Exit code 1 when any seed fails; the failing seed, its replay command and its minimal history are printed.
var arguments = Arguments.Parse(args);
if (arguments is null)
{
    Console.Error.WriteLine("""
        usage: simulate --seeds N [--start S] [--payments P] [--faults F] [--mutation M] [--no-shrink]
               simulate --seed S [--payments P] [--payment I] [--without 1,2,...] [--faults F] [--mutation M] [--history]
        --faults F: every fault F times as likely (default 1)
        mutations: SkipVersionCheck, RefundIgnoresInFlight, WebhookSkipsDecidedCheck
        """);
    return 2;
}

var failed = 0;
var totalPayments = 0L;
var totalSeconds = 0.0;
foreach (var seed in arguments.Seeds)
{
    var options = new SimulationOptions
    {
        Seed = seed, Payments = arguments.Payments, Mutation = arguments.Mutation, OnlyPayment = arguments.Payment,
        SuppressedFaults = arguments.Without, KeepHistory = arguments.PrintHistory, FaultScale = arguments.FaultScale,
    };
    var clock = Stopwatch.StartNew();
    var result = Simulator.Run(options);
    var seconds = clock.Elapsed.TotalSeconds;
    totalPayments += result.Payments;
    totalSeconds += seconds;
    var outcomes = string.Join(", ", result.Outcomes.Select(o => $"{o.Key} {o.Value}"));
    var verdict = result.Passed ? "ok" : $"FAILED ({result.Failures.Count} payments)";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"seed {seed}: {result.Payments} payments, {result.Events} events, {result.Jobs} steps, {result.FaultsInjected} faults, {result.SimulatedTime.TotalHours:0.0} h simulated in {seconds:0.00} s = {result.Payments / seconds:0} payments/s; flagged {result.Flagged}; {outcomes}; history {result.HistoryHash[..16]}: {verdict}"));
    Console.WriteLine($"  checks the sweeper had to create though none was lost: {result.NeverScheduledChecks} " +
                      $"({result.PaymentsWithNeverScheduledChecks} payments); merchants answered 201 Pending without KNET's link: {result.AnsweredWithoutLink}; " +
                      $"expired with a customer who never had the link: {result.ExpiredWithoutLink}");
    foreach (var (reason, count) in result.FlagReasons)
    {
        Console.WriteLine($"  flagged {count}: {reason}");
    }

    if (arguments.PrintHistory && result.History is not null)
    {
        Console.Write(result.History);
    }

    if (result.Passed)
    {
        continue;
    }

    failed++;
    var first = result.Failures[0];
    var shrunk = arguments.Shrink
        ? Shrinker.Shrink(options, first)
        : new ShrunkFailure(seed, first, arguments.Without, true, 0, arguments.Mutation, arguments.Payments) { FaultScale = arguments.FaultScale };
    Console.WriteLine(shrunk.Report());
    foreach (var other in result.Failures.Skip(1).Take(10))
    {
        Console.WriteLine($"  also payment #{other.Index}: {other.Violations[0]}");
    }
}

if (arguments.Seeds.Count > 1)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{arguments.Seeds.Count} seeds, {totalPayments} payments in {totalSeconds:0.0} s = {totalPayments / totalSeconds:0} payments/s, {failed} failed"));
}

return failed == 0 ? 0 : 1;

internal sealed record Arguments(
    IReadOnlyList<int> Seeds, int Payments, int? Payment, IReadOnlySet<int> Without, Mutation Mutation, bool PrintHistory, bool Shrink,
    double FaultScale)
{
    public static Arguments? Parse(string[] args)
    {
        int? seeds = null, start = null, seed = null, payment = null;
        var payments = 2000;
        var without = new HashSet<int>();
        var mutation = Mutation.None;
        bool history = false, shrink = true;
        var scale = 1.0;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--seeds": seeds = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--start": start = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--payments": payments = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--payment": payment = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--without":
                    without.UnionWith(Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(n => int.Parse(n, CultureInfo.InvariantCulture)));
                    break;
                case "--mutation":
                    mutation |= Enum.Parse<Mutation>(Next());
                    break;
                case "--history": history = true; break;
                case "--no-shrink": shrink = false; break;
                case "--faults": scale = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: return null;
            }
        }

        IReadOnlyList<int> list = seed is { } one ? [one]
            : seeds is { } n ? [.. Enumerable.Range(start ?? 1, n)]
            : [];
        return list.Count == 0 ? null : new Arguments(list, payments, payment, without, mutation, history, shrink, scale);
    }
}
