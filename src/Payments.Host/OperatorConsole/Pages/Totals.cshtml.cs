using System.Globalization;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Payments.Host.BackOffice;

namespace Payments.Host.OperatorConsole.Pages;

/// <summary>
/// <c>/console/totals?from&amp;to</c>: what <c>GET /reports/daily</c> answers for a range of UTC days (by default the
/// last 14, today included, by the injected clock), as a table and as a server-drawn bar chart of captured and
/// refunded amounts. The table is the chart's accessible equivalent.
/// </summary>
public sealed class TotalsModel(IQuerySession session, TimeProvider time) : ConsolePageModel
{
    public const int DefaultDays = 14;

    [BindProperty(SupportsGet = true)]
    public string? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? To { get; set; }

    /// <summary>Why the range was not read, for a range that is not one.</summary>
    public string? Refusal { get; private set; }

    public IReadOnlyList<DailyTotals> Days { get; private set; } = [];

    /// <summary>The range's own totals (the table's footer).</summary>
    public DailyTotals Sum { get; private set; } = new();

    public TotalsChart? Chart { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellation)
    {
        ViewData["Title"] = "Daily totals";
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        From ??= ConsoleText.Day(today.AddDays(1 - DefaultDays));
        To ??= ConsoleText.Day(today);
        if (!DailyReport.TryParseRange(From, To, out var first, out var last))
        {
            Refusal = $"Give two days as YYYY-MM-DD, from no later than to, at most {DailyReport.MaxDays} days apart.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        Days = await DailyReport.ReadAsync(session, first, last, cancellation);
        Sum = new DailyTotals
        {
            RequestedCount = Days.Sum(d => d.RequestedCount), RequestedAmount = Days.Sum(d => d.RequestedAmount),
            CapturedCount = Days.Sum(d => d.CapturedCount), CapturedAmount = Days.Sum(d => d.CapturedAmount),
            DeclinedCount = Days.Sum(d => d.DeclinedCount), DeclinedAmount = Days.Sum(d => d.DeclinedAmount),
            CanceledCount = Days.Sum(d => d.CanceledCount), CanceledAmount = Days.Sum(d => d.CanceledAmount),
            ExpiredCount = Days.Sum(d => d.ExpiredCount), ExpiredAmount = Days.Sum(d => d.ExpiredAmount),
            RefundedCount = Days.Sum(d => d.RefundedCount), RefundedAmount = Days.Sum(d => d.RefundedAmount),
        };
        Chart = TotalsChart.Of(first, last, Days);
    }
}

/// <summary>One rectangle of the chart, in the SVG's user units, with what its tooltip says.</summary>
public sealed record ChartBar(DateOnly Day, string Kind, double X, double Y, double Width, double Height, string Title);

public sealed record ChartLabel(double X, double Y, string Text);

/// <summary>
/// The bar chart of captured and refunded amounts per day, laid out here so the page only writes SVG elements: every
/// day of the range gets its pair of bars (a day without activity, bars of height 0), on a scale rounded up to a
/// readable step of KWD.
/// </summary>
public sealed record TotalsChart(
    double Width, double Height, double PlotLeft, double PlotTop, double PlotRight, double PlotBottom,
    IReadOnlyList<ChartBar> Bars, IReadOnlyList<ChartLabel> DayLabels, IReadOnlyList<ChartLabel> AmountLabels)
{
    public const string Captured = "captured";
    public const string Refunded = "refunded";
    private const int Ticks = 4;
    private static readonly int[] Multiples = [1, 2, 5, 10];

    public static TotalsChart Of(DateOnly first, DateOnly last, IReadOnlyList<DailyTotals> days)
    {
        ArgumentNullException.ThrowIfNull(days);
        const double width = 760, height = 280, left = 96, top = 12, right = width - 8, bottom = height - 36;
        var count = last.DayNumber - first.DayNumber + 1;
        var byDay = days.GroupBy(d => d.Day).ToDictionary(g => g.Key, g => (Captured: g.Sum(d => d.CapturedAmount), Refunded: g.Sum(d => d.RefundedAmount)));
        var step = NiceStep(byDay.Values.Select(v => Math.Max(v.Captured, v.Refunded)).DefaultIfEmpty(0).Max());
        var scale = (bottom - top) / (step * Ticks);
        var slot = (right - left) / count;
        var bar = slot * 0.4;

        var bars = new List<ChartBar>(count * 2);
        var dayLabels = new List<ChartLabel>();
        var labelEvery = (int)Math.Ceiling(count / 12.0);
        for (var i = 0; i < count; i++)
        {
            var day = first.AddDays(i);
            var (captured, refunded) = byDay.GetValueOrDefault(day);
            var x = left + (i * slot) + (slot * 0.1);
            bars.Add(new ChartBar(day, Captured, x, bottom - (captured * scale), bar, captured * scale,
                $"{ConsoleText.Day(day)}: captured {ConsoleText.Money(captured)}"));
            bars.Add(new ChartBar(day, Refunded, x + bar, bottom - (refunded * scale), bar, refunded * scale,
                $"{ConsoleText.Day(day)}: refunded {ConsoleText.Money(refunded)}"));
            if (i % labelEvery == 0)
            {
                dayLabels.Add(new ChartLabel(left + (i * slot) + (slot / 2), bottom + 18, day.ToString("MM-dd", CultureInfo.InvariantCulture)));
            }
        }

        var amountLabels = Enumerable.Range(0, Ticks + 1)
            .Select(t => new ChartLabel(left - 6, bottom - (t * step * scale), ConsoleText.Money(t * step))).ToList();
        return new TotalsChart(width, height, left, top, right, bottom, bars, dayLabels, amountLabels);
    }

    /// <summary>The tick step in fils: 1, 2 or 5 times a power of ten, so that four steps reach the highest bar.</summary>
    public static long NiceStep(long highest)
    {
        var raw = Math.Max(highest, 1000) / (double)Ticks;
        var power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var nice = Multiples.Select(m => m * power).First(s => s >= raw);
        return (long)Math.Ceiling(nice);
    }

    /// <summary>An SVG number: invariant, one decimal.</summary>
    public static string N(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
