using System.Globalization;
using System.Text.Json;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Payments.Domain;
using Payments.Host.BackOffice;
using Payments.Host.Checkout;
using Payments.Host.Notifications;
using Payments.Host.Operations;
using Payments.Host.Payments;
using Payments.Host.Security;
using Wolverine;
using Wolverine.Marten;

namespace Payments.Host.OperatorConsole.Pages;

/// <summary>
/// <c>/console/payments/{id}</c>: one payment as <c>GET /payments/{id}</c> shows it, its timeline from
/// <c>GET /payments/{id}/events</c>, the payment as it was at an instant or after an event (<c>GET /payments/{id}/state</c>),
/// and a refund form that goes through <c>POST /payments/{id}/refunds</c>'s code, its idempotency included.
/// </summary>
public sealed class PaymentModel(IDocumentStore store) : ConsolePageModel
{
    public sealed record TimelineRow(long Sequence, long Version, DateTimeOffset At, string Type, string Summary, string? Cause, string? Principal);

    public Guid Id { get; private set; }

    /// <summary>Null for an unknown payment: the page answers 404.</summary>
    public PaymentView? Live { get; private set; }

    public string? CustomerEmail { get; private set; }
    public IReadOnlyList<TimelineRow> Timeline { get; private set; } = [];

    /// <summary>What the time-travel form asked, as typed (the form shows it again).</summary>
    public string At { get; private set; } = "";

    /// <summary>Set when the page was asked for an earlier state: what it was asked, in words.</summary>
    public string? AsItWasLabel { get; private set; }

    /// <summary>The payment then; null with <see cref="AsItWasLabel"/> set when it did not exist yet.</summary>
    public PaymentView? AsItWas { get; private set; }

    public string? TravelError { get; private set; }

    public bool MayRefund { get; private set; }
    public bool ShowRefundForm => MayRefund && Live is { RefundableAmount: > 0 };
    public string RefundAmount { get; private set; } = "";
    public string RefundReference { get; private set; } = "";

    /// <summary>Made when the form is rendered: a double click or a resubmitted form refunds once.</summary>
    public string IdempotencyKey { get; private set; } = "";

    public string? RefundError { get; private set; }

    /// <summary>The operator actions this payment would take now; empty without <c>operations:admin</c>.</summary>
    public IReadOnlyList<OperatorAction.Kind> Actions { get; private set; } = [];

    /// <summary>The notifications this payment's changes made for the merchant's endpoints, in the payment's order, with their delivery logs.</summary>
    public IReadOnlyList<Notification> Notifications { get; private set; } = [];

    /// <summary>Whether the operator may redeliver a notification (operations:admin).</summary>
    public bool MayRedeliver { get; private set; }

    /// <summary>What the last operator action did, kept for the page that follows its 303.</summary>
    [TempData]
    public string? ActionMessage { get; set; }

    [TempData]
    public bool ActionFailed { get; set; }
    public string? RefundMessage { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, string? at, string? version, Guid? refund, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        if (!await LoadAsync(session, id, cancellation))
        {
            return NotFoundPage();
        }

        if (refund is { } refundId && Live!.Refunds.FirstOrDefault(r => r.Id == refundId) is { } requested)
        {
            RefundMessage = $"Refund of {PaymentText.Money(requested.Amount, Live.Currency)} requested.";
        }

        At = at ?? "";
        if (at is not null || version is not null)
        {
            await TravelAsync(session, at, version, cancellation);
        }

        if (TravelError is not null)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return Page();
    }

    public async Task<IActionResult> OnPostRefundAsync(
        Guid id, [FromForm] string? amount, [FromForm] string? reference, [FromForm] string? idempotencyKey,
        [FromServices] IMessageBus bus, [FromServices] CheckoutClient checkout, CancellationToken cancellation)
    {
        if (!await MayAsync(Scopes.RefundsWrite))
        {
            return Refused();
        }

        await using (var session = store.QuerySession())
        {
            if (id == Guid.Empty || await session.Events.FetchStreamStateAsync(id, cancellation) is null)
            {
                await LoadAsync(session, id, cancellation);
                return NotFoundPage();
            }
        }

        RefundAmount = amount ?? "";
        RefundReference = reference ?? "";
        long? fils = null;
        if (!string.IsNullOrWhiteSpace(amount))
        {
            if (!Kwd.TryParse(amount, out var parsed))
            {
                return await RefusedRefundAsync(id, StatusCodes.Status422UnprocessableEntity,
                    "Amount: an amount in KWD with at most three decimals, e.g. 0.500, or empty for the whole refundable balance.", cancellation);
            }

            fils = parsed;
        }

        var request = new RefundRequest { Amount = fils, Reference = string.IsNullOrEmpty(reference) ? null : reference };
        if (request.Validate() is { Count: > 0 } errors)
        {
            return await RefusedRefundAsync(id, StatusCodes.Status422UnprocessableEntity,
                string.Join(" ", errors.Select(e => $"{(e.Field == "amount" ? "Amount" : "Reference")}: {e.Message}")), cancellation);
        }

        if (string.IsNullOrEmpty(idempotencyKey))
        {
            // Every form this page renders carries one: without it a double click would refund twice.
            return await RefusedRefundAsync(id, StatusCodes.Status400BadRequest, "The form is incomplete. Reload the page and try again.", cancellation);
        }

        var outcome = await RefundPaymentEndpoint.RefundOnceAsync(HttpContext, id, request, idempotencyKey,
            $"POST /console/payments/{id} refund form", store, bus, checkout, cancellation);
        if (outcome.Status == StatusCodes.Status202Accepted)
        {
            // Post, redirect, get: reloading the page that follows posts nothing.
            Response.Headers.Location = $"{ConsoleSetup.PathBase}/payments/{id}?refund={outcome.ResourceId}#refund-message";
            return StatusCode(StatusCodes.Status303SeeOther);
        }

        return await RefusedRefundAsync(id, outcome.Status, MessageOf(outcome), cancellation);
    }

    /// <summary>
    /// An operator action (docs/architecture.md, "Operator actions") through the same message as its API route, with
    /// the reason typed on the page; 303 back to the payment with what it did.
    /// </summary>
    public async Task<IActionResult> OnPostActAsync(
        Guid id, [FromForm] string? action, [FromForm] string? reason, [FromServices] IMessageBus bus, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(bus);
        if (!await MayAsync(Scopes.OperationsAdmin))
        {
            return Refused();
        }

        if (OperatorAction.Kinds.FirstOrDefault(k => k.Name == action) is not { } kind)
        {
            return Acted(id, "Unknown action: nothing done.", failed: true);
        }

        if (new OperatorReason { Reason = reason }.Validate() is [var invalid, ..])
        {
            return Acted(id, $"Reason: {invalid.Message} Nothing done.", failed: true);
        }

        var cause = Causes.Operator(HttpContext, $"POST /console/payments/{id} {kind.Name}", reason!);
        var outcome = await bus.InvokeAsync<OperatorOutcome>(OperatorAction.Command(kind, id, cause), cancellation);
        return outcome switch
        {
            { Payment: null } => Acted(id, $"No payment {id}: nothing done.", failed: true),
            { CheckoutProblem: { } problem } => Acted(id, $"{kind.Label}: {problem} Nothing changed.", failed: true),
            { Decision.Kind: DecisionKind.Refused } => Acted(id, $"{kind.Label}: not done. {outcome.Decision.Reason}", failed: true),
            { Decision.Kind: DecisionKind.NoOp } => Acted(id, $"{kind.Label}: nothing to change.", failed: false),
            _ => Acted(id, $"{kind.Label}: done by {Operator}; the payment is {outcome.Payment.Status}.", failed: false),
        };
    }

    /// <summary>Sends one of the payment's notifications again (<c>POST /notifications/{id}/redeliver</c>'s code); 303 back.</summary>
    public async Task<IActionResult> OnPostRedeliverAsync(
        Guid id, [FromForm] string? notification, [FromServices] IMartenOutbox outbox, CancellationToken cancellation)
    {
        if (!await MayAsync(Scopes.OperationsAdmin))
        {
            return Refused();
        }

        var (found, started) = await NotificationRedelivery.RedeliverAsync(notification ?? "", store, outbox, cancellation, id);
        return found is null
            ? Acted(id, $"No notification {notification} of this payment: nothing redelivered.", failed: true)
            : started
                ? Acted(id, $"Notification {found.Id} redelivery started by {Operator}.", failed: false)
                : Acted(id, $"Notification {found.Id} is still being delivered: it is retried on its own schedule.", failed: true);
    }

    private StatusCodeResult Acted(Guid id, string message, bool failed)
    {
        ActionMessage = message;
        ActionFailed = failed;
        Response.Headers.Location = $"{ConsoleSetup.PathBase}/payments/{id}#action-message";
        return StatusCode(StatusCodes.Status303SeeOther);
    }

    private async Task<IActionResult> RefusedRefundAsync(Guid id, int status, string message, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        await LoadAsync(session, id, cancellation);
        RefundError = message;
        Response.StatusCode = status;
        return Page();
    }

    private static string MessageOf(IdempotentOutcome outcome)
    {
        if (outcome.RefusalCode == MerchantIdempotency.InUseCode)
        {
            return "This refund is still being requested. Reload the page in a few seconds to see it.";
        }

        if (outcome.RefusalCode == MerchantIdempotency.ReusedCode)
        {
            return "This form was already sent with other values. Reload the page to request another refund.";
        }

        using var problem = JsonDocument.Parse(outcome.Body ?? "{}");
        var root = problem.RootElement;
        return root.TryGetProperty("detail", out var detail) && detail.ValueKind == JsonValueKind.String ? detail.GetString()!
            : root.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String ? title.GetString()!
            : "The refund was not requested.";
    }

    private PageResult NotFoundPage()
    {
        Response.StatusCode = StatusCodes.Status404NotFound;
        return Page();
    }

    /// <summary>The live payment and its timeline; false for an unknown payment.</summary>
    private async Task<bool> LoadAsync(IQuerySession session, Guid id, CancellationToken cancellation)
    {
        Id = id;
        MayRefund = await MayAsync(Scopes.RefundsWrite);
        IdempotencyKey = Guid.NewGuid().ToString();
        var payment = id == Guid.Empty ? null : await session.LoadAsync<Domain.Payment>(id, cancellation);
        var trail = payment is null ? null : await PaymentEvents.ReadAsync(id, session, cancellation);
        if (payment is null || trail is null)
        {
            return false;
        }

        Live = PaymentView.Of(payment);
        MayRedeliver = await MayAsync(Scopes.OperationsAdmin);
        Actions = MayRedeliver ? OperatorAction.Offered(payment) : [];
        Notifications = await session.Query<Notification>().Where(n => n.PaymentId == id)
            .OrderBy(n => n.Order).ThenBy(n => n.EndpointId).Take(200).ToListAsync(cancellation);
        CustomerEmail = payment.Request.CustomerEmail;
        Timeline = [.. trail.Select(e => new TimelineRow(e.Sequence, e.Version, e.Timestamp, e.Type,
            PaymentText.Summary(e.Data, payment.Currency), e.Cause.Cause, Causes.PrincipalOf(e.Cause.Cause)))];
        return true;
    }

    private static readonly string[] LocalInstants = ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF"];

    private async Task TravelAsync(IQuerySession session, string? at, string? version, CancellationToken cancellation)
    {
        if ((at is null) == (version is null))
        {
            TravelError = "Ask for either an instant or a version, not both.";
            return;
        }

        if (version is not null)
        {
            if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v < 1)
            {
                TravelError = "A version is a whole number from 1.";
                return;
            }

            var (then, versions) = await PaymentStateAt.AfterVersionAsync(Id, v, session, cancellation);
            if (v > versions)
            {
                TravelError = $"This payment has {versions} versions.";
                return;
            }

            AsItWasLabel = $"after event {v} ({Timeline.Single(e => e.Version == v).Type})";
            AsItWas = then is null ? null : PaymentView.Of(then);
            return;
        }

        // datetime-local has no zone: the form says UTC, and so it is read.
        if (!DateTime.TryParseExact(at, LocalInstants, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var utc))
        {
            TravelError = "The instant is a date and time in UTC, e.g. 2026-11-24T10:15:00.";
            return;
        }

        var instant = new DateTimeOffset(utc, TimeSpan.Zero);
        AsItWasLabel = "at " + instant.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF 'UTC'", CultureInfo.InvariantCulture);
        AsItWas = await PaymentStateAt.AtAsync(Id, instant, session, cancellation) is { } past ? PaymentView.Of(past) : null;
    }
}
