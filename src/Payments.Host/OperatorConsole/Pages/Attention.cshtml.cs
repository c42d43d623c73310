using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.BackOffice;
using Payments.Host.Notifications;
using Payments.Host.Operations;
using Payments.Host.Payments;
using Payments.Host.Security;
using Payments.Host.Webhooks;
using Wolverine.Marten;
using Wolverine.Persistence.Durability;

namespace Payments.Host.OperatorConsole.Pages;

/// <summary>
/// <c>/console/attention</c>: what <c>GET /operations/attention</c> answers, with each item's action. The actions run
/// the API's own code (<see cref="ReplayParkedWebhook"/>, <see cref="ReplayDeadLetter"/>, <see cref="CheckPayment"/>)
/// under <c>operations:admin</c>, recorded with the operator's key name, then 303 back here with what was done.
/// </summary>
public sealed class AttentionModel(
    IDocumentStore store, IMessageStore messages, TimeProvider time, IOptions<PaymentTimings> timings) : ConsolePageModel
{
    public const string Path = ConsoleSetup.PathBase + "/attention";

    public Attention View { get; private set; } = null!;

    /// <summary>Parked webhooks whose Checkout.com payment is ours by now: the replay will find it.</summary>
    public IReadOnlyDictionary<string, Guid> PaymentsNowFound { get; private set; } = new Dictionary<string, Guid>();

    /// <summary>Whether the operator may act (the buttons are shown only then).</summary>
    public bool MayAct { get; private set; }

    /// <summary>What the last action did, kept for the page that follows its 303.</summary>
    [TempData]
    public string? ActionMessage { get; set; }

    [TempData]
    public bool ActionFailed { get; set; }

    public async Task OnGetAsync(CancellationToken cancellation)
    {
        ViewData["Title"] = "Attention";
        await using var session = store.QuerySession();
        View = await OperationsAttention.Get(session, messages, time, timings, cancellation);
        MayAct = await MayAsync(Scopes.OperationsAdmin);
        var checkoutIds = View.ParkedWebhooks.Select(w => w.CheckoutPaymentId).Distinct().ToArray();
        if (checkoutIds.Length > 0)
        {
            var found = await session.Query<Payment>().Where(p => checkoutIds.Contains(p.CheckoutPaymentId!)).ToListAsync(cancellation);
            PaymentsNowFound = found.Where(p => p.CheckoutPaymentId is not null)
                .GroupBy(p => p.CheckoutPaymentId!).ToDictionary(g => g.Key, g => g.First().Id);
        }
    }

    public async Task<IActionResult> OnPostReplayWebhookAsync([FromForm] string? id, [FromServices] IMartenOutbox outbox, CancellationToken cancellation)
    {
        if (!await MayAsync(Scopes.OperationsAdmin))
        {
            return Refused();
        }

        var replay = await ReplayParkedWebhook.ReplayAsync(id ?? "", store, outbox, cancellation);
        return Done(replay.Before switch
        {
            null => $"No webhook {id}: nothing replayed.",
            WebhookProcessing.Parked => $"Webhook {id} replayed by {Operator}.",
            var processing => $"Webhook {id} was not replayed: it is {processing}, no longer parked.",
        }, !replay.Replayed);
    }

    public async Task<IActionResult> OnPostReplayDeadLetterAsync([FromForm] Guid id, CancellationToken cancellation)
    {
        if (!await MayAsync(Scopes.OperationsAdmin))
        {
            return Refused();
        }

        var answer = await ReplayDeadLetter.ReplayAsync(id, Operator, store, messages, time, cancellation);
        return Done(answer switch
        {
            DeadLetterReplayAnswer.Requested => $"Dead letter {id} replay requested by {Operator}.",
            DeadLetterReplayAnswer.AlreadyRequested => $"Dead letter {id}: a replay is already requested.",
            _ => $"No dead letter {id}: nothing replayed.",
        }, answer != DeadLetterReplayAnswer.Requested);
    }

    public async Task<IActionResult> OnPostCheckAsync(
        [FromForm] string? id, [FromForm] string? reason, [FromServices] IMartenOutbox outbox, CancellationToken cancellation)
    {
        if (!await MayAsync(Scopes.OperationsAdmin))
        {
            return Refused();
        }

        if (!PaymentIds.TryParse(id, out var paymentId))
        {
            return Done($"No payment {id}: nothing checked.", failed: true);
        }

        if (new OperatorReason { Reason = reason }.Validate() is [var invalid, ..])
        {
            return Done($"Reason: {invalid.Message} Nothing checked.", failed: true);
        }

        var checks = await CheckPayment.SendAsync(paymentId, Causes.Operator(HttpContext, "POST /console/attention?handler=Check", reason!),
            store, outbox, timings.Value, cancellation);
        return Done(checks switch
        {
            null => $"No payment {paymentId}: nothing checked.",
            [] => $"Payment {paymentId} and its refunds are decided: nothing to check.",
            _ => $"Payment {paymentId} checked at Checkout.com now by {Operator} ({string.Join(", ", checks.Select(c => c.Message.GetType().Name))}).",
        }, checks is not { Count: > 0 });
    }

    /// <summary>Sends a delivered or failed notification again (<c>POST /notifications/{id}/redeliver</c>'s code).</summary>
    public async Task<IActionResult> OnPostRedeliverAsync([FromForm] string? id, [FromServices] IMartenOutbox outbox, CancellationToken cancellation)
    {
        if (!await MayAsync(Scopes.OperationsAdmin))
        {
            return Refused();
        }

        var (notification, started) = await NotificationRedelivery.RedeliverAsync(id ?? "", store, outbox, cancellation);
        return Done(notification switch
        {
            null => $"No notification {id}: nothing redelivered.",
            _ when !started => $"Notification {id} is still being delivered: it is retried on its own schedule.",
            _ => $"Notification {id} redelivery started by {Operator}.",
        }, !started);
    }

    /// <summary>303 to this page (a reload does not post again), which then shows what was done.</summary>
    private StatusCodeResult Done(string message, bool failed)
    {
        ActionMessage = message;
        ActionFailed = failed;
        Response.Headers.Location = Path;
        return StatusCode(StatusCodes.Status303SeeOther);
    }
}
