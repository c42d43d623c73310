using System.Globalization;
using Marten;
using Microsoft.Extensions.Options;
using Payments.Host.Checkout;
using Payments.Host.Operations;
using Payments.Host.Payments;
using Wolverine.Http;

namespace Payments.Host.Reconciliation;

/// <summary>
/// <c>GET /reconciliation/{date}</c> (<c>backoffice:read</c>): the day's document, 404 when it never ran;
/// <c>POST /reconciliation/{date}/run</c> (<c>operations:admin</c>): reconcile the day now, 503 when Checkout.com
/// cannot be read (a day already reconciled keeps its document).
/// </summary>
public static class ReconciliationEndpoints
{
    public const string DateInvalid = "reconciliation_date_invalid";
    public const string NotFound = "reconciliation_not_found";

    [WolverineGet("/reconciliation/{date}")]
    public static async Task<IResult> Get(string date, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!TryDay(date, out var day))
        {
            return Invalid();
        }

        return await session.LoadAsync<SettlementReconciliation>(ReconcileDay.Id(day), cancellation) is { } document
            ? Results.Ok(document)
            : Problems.Of(StatusCodes.Status404NotFound, NotFound, "Not reconciled", $"{ReconcileDay.Id(day)} has not been reconciled.");
    }

    [WolverinePost("/reconciliation/{date}/run")]
    public static async Task<IResult> Run(
        string date, HttpContext http, IDocumentSession session, CheckoutClient checkout, IOptions<ReconciliationOptions> options,
        TimeProvider time, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!TryDay(date, out var day))
        {
            return Invalid();
        }

        var outcome = await ReconcileDay.RunAsync(day, Causes.Request(http, "POST /reconciliation/{date}/run"), session, checkout,
            options.Value, time.GetUtcNow(), cancellation);
        return outcome.CheckoutUnavailable
            ? Problems.Of(StatusCodes.Status503ServiceUnavailable, OperatorAction.CheckoutUnavailable, "Checkout.com unavailable",
                outcome.Document.Error ?? "Checkout.com's report could not be read.")
            : Results.Ok(outcome.Document);
    }

    /// <summary>
    /// A day <c>yyyy-MM-dd</c> of the years 2000 to 2999: a settlement day, with room for the day after it (the
    /// report's creation window) that <c>9999-12-31</c> would not leave.
    /// </summary>
    public static bool TryDay(string? text, out DateOnly day) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day)
        && day.Year is >= 2000 and <= 2999;

    private static IResult Invalid() =>
        Problems.Of(StatusCodes.Status400BadRequest, DateInvalid, "The date is a day YYYY-MM-DD", "A day of the years 2000 to 2999.");
}
