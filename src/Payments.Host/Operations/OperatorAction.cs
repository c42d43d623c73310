using Marten;
using Payments.Domain;
using Payments.Host.Edge;
using Payments.Host.Payments;
using Wolverine;

namespace Payments.Host.Operations;

/// <summary>
/// The body of every operator action: why the operator does it. Required, 1..500 characters, the edge rule's text;
/// it is written into the cause of the events the action appends (docs/architecture.md, "Operator actions").
/// </summary>
public sealed record OperatorReason : IValidatedRequest
{
    public const string Required = "reason_required";
    public const string TooLong = "reason_too_long";

    /// <summary>Free text, 1 to 500 characters, no control characters.</summary>
    public string? Reason { get; init; }

    public static string InvalidTitle => "The operator's reason is not valid";

    public IReadOnlyList<FieldError> Validate() => EdgeText.Errors([EdgeText.Check("reason", Reason)],
        string.IsNullOrWhiteSpace(Reason) ? [new FieldError("reason", Required, "Say why: a reason of 1 to 500 characters is required.")]
        : Reason.Length > OperatorCause.ReasonMaxLength
            ? [new FieldError("reason", TooLong, $"A reason is at most {OperatorCause.ReasonMaxLength} characters.")]
        : LooksLikeCardNumber(Reason)
            ? [new FieldError("reason", CardNumber, "A reason must not hold a card number (13 to 19 digits in a row).")]
            : []);

    public const string CardNumber = "reason_card_number";

    /// <summary>
    /// The reason is stored with the events for good: an operator pasting a customer's card number must not put it
    /// there. 13 or more digits in a row, spaces and dashes between them allowed, are refused.
    /// </summary>
    private static bool LooksLikeCardNumber(string text)
    {
        var digits = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c))
            {
                if (++digits >= 13)
                {
                    return true;
                }
            }
            else if (c is not (' ' or '-'))
            {
                digits = 0;
            }
        }

        return false;
    }
}

/// <summary>What an operator's action came to: the decision, and the payment as it then stands (null: no such payment).</summary>
public sealed record OperatorOutcome(Decision Decision, Payment? Payment, string? CheckoutProblem = null)
{
    public static OperatorOutcome NoPayment { get; } = new(Decision.NoOp("no such payment"), null);

    /// <summary>Checkout.com did not answer, or refused the read: nothing was written.</summary>
    public static OperatorOutcome CheckoutFailed(Payment payment, string problem) => new(Decision.NoOp(problem), payment, problem);
}

/// <summary>The answers the operator actions share: 200 with the payment, 404, 409 <c>action_not_allowed</c>, 503.</summary>
public static class OperatorAction
{
    public const string NotAllowed = PaymentDecider.ActionNotAllowed;
    public const string CheckoutUnavailable = "checkout_unavailable";

    /// <summary>One action: its route's last segments, the machine's trigger, and the console's button label.</summary>
    public sealed record Kind(string Name, PaymentTrigger Trigger, string Label);

    public static Kind Sync { get; } = new("sync", PaymentTrigger.SyncRequested, "Sync now from Checkout.com");
    public static Kind Settle { get; } = new("settle", PaymentTrigger.NoRecordFound, "Settle the unknown outcome");
    public static Kind CancelChecks { get; } = new("checks/cancel", PaymentTrigger.ChecksCancelRequested, "Cancel scheduled checks");
    public static Kind ClearReview { get; } = new("review/clear", PaymentTrigger.ReviewClearRequested, "Clear review flags");

    public static IReadOnlyList<Kind> Kinds { get; } = [Sync, Settle, CancelChecks, ClearReview];

    /// <summary>The actions that would change this payment now: the machine's answer, not a list of states.</summary>
    public static IReadOnlyList<Kind> Offered(Payment payment) => [.. Kinds.Where(k => PaymentDecider.Changes(payment, k.Trigger))];

    /// <summary>The message that carries out <paramref name="kind"/>, with its cause.</summary>
    public static object Command(Kind kind, Guid paymentId, string cause)
    {
        ArgumentNullException.ThrowIfNull(kind);
        return kind.Trigger switch
        {
            PaymentTrigger.SyncRequested => new SyncPayment(paymentId, cause),
            PaymentTrigger.NoRecordFound => new SettlePayment(paymentId, cause),
            PaymentTrigger.ChecksCancelRequested => new CancelPaymentChecks(paymentId, cause),
            _ => new ClearPaymentReview(paymentId, cause),
        };
    }

    /// <summary>
    /// <c>POST /operations/payments/{id}/{kind} {reason}</c>, the body of each action's route: the reason read strictly,
    /// the operator's cause built from it, the action's message invoked, and its outcome answered.
    /// </summary>
    public static async Task<IResult> PostAsync(
        Kind kind, string id, HttpRequest request, IDocumentStore store, IMessageBus bus, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(bus);
        var (paymentId, reason, problem) = await ReadAsync(id, request, store, cancellation);
        if (problem is not null)
        {
            return problem;
        }

        var cause = Causes.Operator(request.HttpContext, $"POST /operations/payments/{paymentId}/{kind.Name}", reason!);
        return Answer(paymentId, await bus.InvokeAsync<OperatorOutcome>(Command(kind, paymentId, cause), cancellation));
    }

    /// <summary>The reason of the request body, or the 400/404/422 to answer.</summary>
    private static async Task<(Guid PaymentId, string? Reason, IResult? Problem)> ReadAsync(
        string id, HttpRequest request, IDocumentStore store, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!PaymentIds.TryParse(id, out var paymentId))
        {
            return (default, null, Problems.NotFound(id));
        }

        var (body, problem) = await StrictJson.ReadAsync<OperatorReason>(request, cancellation);
        if (body is null)
        {
            return (paymentId, null, problem);
        }

        await using var query = store.QuerySession();
        return await query.Events.FetchStreamStateAsync(paymentId, cancellation) is null
            ? (paymentId, null, Problems.NotFound(paymentId))
            : (paymentId, body.Reason, null);
    }

    public static IResult Answer(Guid paymentId, OperatorOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome switch
        {
            { Payment: null } => Problems.NotFound(paymentId),
            { CheckoutProblem: { } problem } => Problems.Of(StatusCodes.Status503ServiceUnavailable, CheckoutUnavailable,
                "Checkout.com could not be read; nothing was changed", problem),
            { Decision.Kind: DecisionKind.Refused } => Refused(outcome.Decision, outcome.Payment),
            _ => Results.Ok(PaymentView.Of(outcome.Payment)),
        };
    }

    /// <summary>409 with the payment's status beside the code, so a console can say why without another read.</summary>
    public static IResult Refused(Decision decision, Payment payment)
    {
        ArgumentNullException.ThrowIfNull(decision);
        ArgumentNullException.ThrowIfNull(payment);
        return Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "The payment does not allow this action now",
            detail: decision.Reason, extensions: new Dictionary<string, object?>
            {
                ["code"] = decision.Code ?? NotAllowed, ["paymentStatus"] = payment.Status.ToString(),
            });
    }
}
