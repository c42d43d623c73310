using System.Globalization;
using Payments.Bench.Infrastructure;

namespace Payments.Bench.Figures;

/// <summary>What every figure shares: the options, the database, the process launcher, and figures measured earlier in the run.</summary>
internal sealed class BenchContext(BenchOptions options, BenchDatabase database)
{
    public BenchOptions Options { get; } = options;
    public Scale Scale => Options.Scale;
    public BenchDatabase Database { get; } = database;
    public Services Services { get; } = new(options);

    /// <summary>The highest sustained applied webhook rate measured so far in this run (median of a concurrency level).</summary>
    public double? MaxAppliedRate { get; set; }

    public static void Log(string message) =>
        Console.WriteLine($"[bench {DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}] {message}");
}
