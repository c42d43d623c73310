using System.Globalization;

namespace Payments.Bench;

/// <summary>What to run and how long: the full run aims at 25 minutes, <c>--quick</c> at a few.</summary>
internal sealed record BenchOptions(
    bool Quick, string? Only, int Repeats, string Output, string ConnectionString, string RepoRoot, string Command)
{
    public const string Usage =
        "usage: Payments.Bench --connection <npgsql connection string> --root <repo> [--out docs/benchmarks.md] " +
        "[--quick] [--only webhooks|ack|post|rebuild|list|hosts|chain] [--repeats n] [--command \"text for the report\"]";

    /// <summary>The schema every figure resets and the hosts use (never the development schema <c>payments</c>).</summary>
    public const string Schema = "bench";

    public Scale Scale => Quick ? Scale.QuickRun : Scale.FullRun;

    public static BenchOptions? Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        bool quick = false;
        string? only = null, connection = null, root = null, output = null, command = null;
        int? repeats = null;
        for (var i = 0; i < args.Count; i++)
        {
            string? Value() => i + 1 < args.Count ? args[++i] : null;
            switch (args[i])
            {
                case "--quick": quick = true; break;
                case "--only": only = Value(); break;
                case "--connection": connection = Value(); break;
                case "--root": root = Value(); break;
                case "--out": output = Value(); break;
                case "--command": command = Value(); break;
                case "--repeats":
                    if (!int.TryParse(Value(), NumberStyles.None, CultureInfo.InvariantCulture, out var r) || r < 1)
                    {
                        return null;
                    }

                    repeats = r;
                    break;
                default: return null;
            }
        }

        if (connection is null || root is null)
        {
            return null;
        }

        return new BenchOptions(quick, only, repeats ?? (quick ? 1 : 3), output ?? Path.Combine(root, "docs", "benchmarks.md"),
            connection, root, command ?? "scripts/bench.sh" + (quick ? " --quick" : ""));
    }
}

/// <summary>Durations and data sizes of one kind of run.</summary>
internal sealed record Scale(
    TimeSpan Warmup, TimeSpan Window, TimeSpan PgBench, TimeSpan OpenLoop, int RebuildPayments, int ListPayments,
    int ListRequests, bool RebuildInline, int RebuildRepeats)
{
    /// <summary>
    /// 250k payments × 4 events = the 1M events of the figure; 1M payment documents for the list. pgbench runs the
    /// 15 s the issue asks for; the open-loop figures run 20 s (≥ 20 s asked). The inline snapshot rebuild is left to
    /// the quick run, and the rebuild figure runs once: at 1M events one rebuild takes minutes on two cores.
    /// </summary>
    public static readonly Scale FullRun = new(
        TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(20),
        250_000, 1_000_000, 3000, RebuildInline: false, RebuildRepeats: 1);

    /// <summary>A smoke check of the whole harness: a tenth of the data, a few seconds per window.</summary>
    public static readonly Scale QuickRun = new(
        TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(6), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(8),
        25_000, 100_000, 600, RebuildInline: true, RebuildRepeats: 1);
}
