using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Payments.Host.Checkout;
using Payments.Host.Payments;
using Payments.Host.Reconciliation;
using Payments.Host.Security;

namespace Payments.Host.OperatorConsole.Pages;

/// <summary>
/// <c>/console/reconciliation?date=</c>: what <c>GET /reconciliation/{date}</c> answers for a settlement day (by
/// default yesterday, by the injected clock), as tables; with <c>operations:admin</c>, "Run now" reconciles the day
/// through <see cref="ReconcileDay"/>, the API's own code, recorded with the operator's key name, then 303 back here.
/// </summary>
public sealed class ReconciliationModel(IDocumentStore store, TimeProvider time) : ConsolePageModel
{
    public const string Path = ConsoleSetup.PathBase + "/reconciliation";

    [BindProperty(SupportsGet = true)]
    public string? Date { get; set; }

    /// <summary>Why the day was not read, for a day that is not one.</summary>
    public string? Refusal { get; private set; }

    public SettlementReconciliation? Day { get; private set; }

    public IReadOnlyList<ReconciliationDiscrepancy> Discrepancies { get; private set; } = [];

    public bool MayRun { get; private set; }

    [TempData]
    public string? ActionMessage { get; set; }

    [TempData]
    public bool ActionFailed { get; set; }

    public async Task OnGetAsync(CancellationToken cancellation)
    {
        ViewData["Title"] = "Settlement reconciliation";
        Date ??= ConsoleText.Day(DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-1));
        MayRun = await MayAsync(Scopes.OperationsAdmin);
        if (!ReconciliationEndpoints.TryDay(Date, out var day))
        {
            Refusal = "Give a settlement day as YYYY-MM-DD.";
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        await using var session = store.QuerySession();
        Day = await session.LoadAsync<SettlementReconciliation>(ReconcileDay.Id(day), cancellation);
        Discrepancies = Day?.Discrepancies() ?? [];
    }

    public async Task<IActionResult> OnPostRunAsync(
        [FromForm] string? date, [FromServices] CheckoutClient checkout, [FromServices] IOptions<ReconciliationOptions> options,
        CancellationToken cancellation)
    {
        if (!await MayAsync(Scopes.OperationsAdmin))
        {
            return Refused();
        }

        if (!ReconciliationEndpoints.TryDay(date, out var day))
        {
            return Done(Path, $"'{date}' is not a day YYYY-MM-DD: nothing run.", failed: true);
        }

        await using var session = store.LightweightSession();
        var outcome = await ReconcileDay.RunAsync(day, Causes.Request(HttpContext, "POST /console/reconciliation?handler=Run"),
            session, checkout, options.Value, time.GetUtcNow(), cancellation);
        await session.SaveChangesAsync(cancellation);
        var count = outcome.Document.Discrepancies().Count;
        return Done($"{Path}?date={ReconcileDay.Id(day)}", outcome.CheckoutUnavailable
            ? $"{ReconcileDay.Id(day)} not reconciled: {outcome.Document.Error}"
            : $"{ReconcileDay.Id(day)} reconciled by {Operator}: {outcome.Document.Matched.Count} matched, {count} discrepancies.",
            outcome.CheckoutUnavailable);
    }

    /// <summary>303 to the day's page (a reload does not run it again), which then shows what was done.</summary>
    private StatusCodeResult Done(string location, string message, bool failed)
    {
        ActionMessage = message;
        ActionFailed = failed;
        Response.Headers.Location = location;
        return StatusCode(StatusCodes.Status303SeeOther);
    }
}
