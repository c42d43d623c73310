using Payments.Sandbox.Api;
using Payments.Sandbox.Webhooks;

namespace Payments.Sandbox.Control;

/// <summary>
/// The sandbox's own API for tests and demos, apart from Checkout.com's surface under <c>/_sandbox</c>: decide a
/// payment without a browser, see every webhook delivery with its attempts, switch faults on and off.
/// </summary>
public static class ControlApi
{
    public const string Prefix = "/_sandbox";

    private static readonly Dictionary<string, KnetOutcome> Outcomes = new(StringComparer.Ordinal)
    {
        ["captured"] = KnetOutcome.Captured,
        ["not_captured"] = KnetOutcome.NotCaptured,
        ["canceled"] = KnetOutcome.Canceled,
        ["reused"] = KnetOutcome.Reused,
        ["expired"] = KnetOutcome.Expired,
    };

    public sealed record CompleteRequest(string? Outcome);

    public static void MapControlApi(this WebApplication app)
    {
        var control = app.MapGroup(Prefix);
        control.MapGet("/payments", (PaymentStore store) => Json(store.All.Select(p => new { id = p.Id, status = p.Status, amount = p.Amount, reference = p.Reference })));
        control.MapPost("/payments/{id}/complete", Complete);
        control.MapGet("/webhooks", (WebhookDispatcher webhooks, string? paymentId) => Json(webhooks.Deliveries
            .Where(d => paymentId is null || d.PaymentId == paymentId)
            .Select(d => new
            {
                delivery_id = d.DeliveryId,
                event_id = d.EventId,
                type = d.Type,
                payment_id = d.PaymentId,
                state = d.State.ToString(),
                created_on = d.CreatedOn,
                next_attempt_at = d.NextAttemptAt,
                attempts = d.Attempts.Select(a => new
                {
                    number = a.Number, at = a.At, status_code = a.StatusCode, error = a.Error, duration_ms = a.DurationMs,
                }),
            })));
        control.MapGet("/faults", (FaultState faults) => Json(faults.Current));
        control.MapPut("/faults", (FaultOptions faults, FaultState state) =>
        {
            state.Replace(faults);
            return Json(state.Current);
        });
    }

    private static IResult Complete(string id, CompleteRequest request, PaymentStore store, PaymentLifecycle lifecycle)
    {
        if (store.Find(id) is not { } payment)
        {
            return Results.Problem(statusCode: 404, title: "payment_not_found", detail: $"No payment {id}.");
        }

        if (request.Outcome is null || !Outcomes.TryGetValue(request.Outcome, out var outcome))
        {
            return Results.Problem(statusCode: 400, title: "outcome_invalid",
                detail: $"outcome must be one of: {string.Join(", ", Outcomes.Keys)}.");
        }

        var check = outcome == KnetOutcome.NotCaptured ? new CardCheck(false, "55", "888888******0001") : null;
        if (!lifecycle.Complete(payment, outcome, check))
        {
            return Results.Problem(statusCode: 409, title: "payment_already_decided", detail: $"Payment {id} is {payment.Status}.");
        }

        return Json(new { id = payment.Id, status = payment.Status });
    }

    private static IResult Json(object body) => Results.Json(body, CheckoutJson.Options);
}
