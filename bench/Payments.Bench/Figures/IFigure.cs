using Payments.Bench.Report;

namespace Payments.Bench.Figures;

/// <summary>One figure of the issue: measured R times beside its baseline, as one or more table rows.</summary>
internal interface IFigure
{
    /// <summary>The name <c>--only</c> takes.</summary>
    string Key { get; }

    Task<IReadOnlyList<FigureRow>> RunAsync(BenchContext context, CancellationToken cancellation);
}
