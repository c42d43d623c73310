using System.Globalization;

namespace Payments.Bench.Report;

/// <summary>One number measured R times: reported as the median with its min–max, never as one sample.</summary>
internal sealed record Spread(IReadOnlyList<double> Samples)
{
    public double Median
    {
        get
        {
            var sorted = Samples.Order().ToArray();
            return sorted.Length == 0 ? double.NaN
                : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
                : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    public double Min => Samples.Count == 0 ? double.NaN : Samples.Min();
    public double Max => Samples.Count == 0 ? double.NaN : Samples.Max();

    public static Spread Of(IEnumerable<double> samples) => new([.. samples]);

    /// <summary>Per-repeat ratios: each repeat's value over the baseline measured in that same repeat.</summary>
    public static Spread Ratio(Spread value, Spread baseline)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(baseline);
        return Of(value.Samples.Zip(baseline.Samples, (v, b) => b == 0 ? double.NaN : v / b));
    }

    public string Format(string unit, string format = "N0") => Samples.Count switch
    {
        0 => "not measured",
        1 => $"{Number(Median, format)} {unit} (1 run)",
        _ => $"{Number(Median, format)} {unit} ({Number(Min, format)}–{Number(Max, format)}, {Samples.Count} runs)",
    };

    private static string Number(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
