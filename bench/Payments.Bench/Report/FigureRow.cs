namespace Payments.Bench.Report;

/// <summary>A comparison with the target: at least (≥) or below (&lt;) a number.</summary>
internal sealed record Target(string Text, Func<double, bool> IsMet)
{
    public static Target AtLeast(double threshold, string text) => new(text, v => v >= threshold);
    public static Target Below(double threshold, string text) => new(text, v => v < threshold);
    public static readonly Target None = new("—", _ => true);
}

/// <summary>
/// One row of the table in docs/benchmarks.md. The target applies to <see cref="Ratio"/> when <see cref="TargetOnRatio"/>,
/// else to <see cref="Value"/>; <see cref="Evidence"/> goes under "what bounds it" when the target is missed.
/// </summary>
internal sealed record FigureRow(
    string Figure, Spread Value, string Unit, string Format, string? BaselineName, Spread? Baseline, Target Target,
    bool TargetOnRatio, IReadOnlyList<string> Notes, IReadOnlyList<string> Evidence, string? BaselineUnit = null)
{
    public Spread? Ratio => Baseline is null ? null : Spread.Ratio(Value, Baseline);

    /// <summary>Judged on the median; null when there is no target or nothing was measured.</summary>
    public bool? Met => Target == Target.None || Value.Samples.Count == 0 ? null
        : Target.IsMet(TargetOnRatio ? Ratio?.Median ?? double.NaN : Value.Median);
}
