using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;

namespace Payments.Domain;

/// <summary>A refund as the payment knows it. Each has its own life: Requested → Pending → Succeeded | Declined.</summary>
public sealed record Refund(
    Guid Id,
    long Amount,
    string? Reference,
    RefundStatus Status,
    string? ActionId,
    DateTimeOffset RequestedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Requested or pending: its amount is reserved and may still leave.</summary>
    public bool IsInFlight => Status is RefundStatus.Requested or RefundStatus.Pending;
}

/// <summary>When the payment reached a status.</summary>
public sealed record StatusChange(PaymentStatus Status, DateTimeOffset At);

/// <summary>Why a payment needs an operator: what arrived, in which state, and why it was not applied.</summary>
public sealed record ReviewFlag(string Fact, PaymentStatus StatusAtFlag, string Reason, DateTimeOffset At, Guid? RefundId = null);

/// <summary>
/// The state of one payment, folded from its events. <see cref="Evolve"/> is pure and never consults the state
/// machine: the machine decides which events are written; the fold only replays them.
/// </summary>
public sealed record Payment
{
    public Guid Id { get; init; }

    /// <summary>The stream version this state was folded up to (1 after the first event).</summary>
    public long Version { get; init; }

    public PaymentStatus Status { get; init; }
    public long Amount { get; init; }
    public string Currency { get; init; } = Kwd.Currency;
    public string? Reference { get; init; }
    public KnetPaymentRequest Request { get; init; } = new();
    public string? CheckoutPaymentId { get; init; }
    public string? RedirectUrl { get; init; }
    public long CapturedAmount { get; init; }
    public KnetDetails? Knet { get; init; }

    /// <summary>Checkout.com's <c>error_codes</c> when it refused the request (Rejected).</summary>
    public ImmutableList<string> CheckoutErrorCodes { get; init; } = [];

    public ImmutableList<Refund> Refunds { get; init; } = [];
    public ImmutableList<ReviewFlag> ReviewFlags { get; init; } = [];

    /// <summary>Every status the payment has had, with the time it was reached, oldest first.</summary>
    public ImmutableList<StatusChange> StatusChanges { get; init; } = [];
    public DateTimeOffset RequestedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public long RefundedAmount => Refunds.Where(r => r.Status == RefundStatus.Succeeded).Sum(r => r.Amount);
    public long InFlightRefundAmount => Refunds.Where(r => r.IsInFlight).Sum(r => r.Amount);

    /// <summary>captured − succeeded − in flight: what a new refund may still reserve.</summary>
    public long RefundableAmount => CapturedAmount - RefundedAmount - InFlightRefundAmount;

    public bool NeedsReview => !ReviewFlags.IsEmpty;

    /// <summary>An operator canceled the scheduled checks: only an operator's own check or sync asks Checkout.com now.</summary>
    public bool ChecksCanceled { get; init; }

    public Refund? FindRefund(Guid refundId) => Refunds.Find(r => r.Id == refundId);

    private static Payment Begin(PaymentRequested e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new Payment
        {
            Id = e.PaymentId,
            Version = 1,
            Status = PaymentStatus.Requested,
            Amount = e.Request.Amount,
            Currency = e.Request.Currency,
            Reference = e.Request.Reference,
            Request = e.Request,
            RequestedAt = e.At,
            UpdatedAt = e.At,
            StatusChanges = [new StatusChange(PaymentStatus.Requested, e.At)],
        };
    }

    /// <summary>The payment after <paramref name="events"/>, folded in order (<see cref="Evolve"/>): what a decision leaves.</summary>
    public Payment After(IEnumerable<IPaymentEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        return events.Aggregate(this, (state, e) => Evolve(state, e));
    }

    /// <summary>
    /// The fold: null before the first event. An event that is not an <see cref="IPaymentEvent"/> is not the payment's
    /// (a store's own bookkeeping, or a type this version does not know): it changes nothing, so before
    /// <see cref="PaymentRequested"/> there is still no payment, and after it only the version moves (the event holds a
    /// place in the stream). A payment event before <see cref="PaymentRequested"/> is a broken stream and throws.
    /// </summary>
    [return: NotNullIfNotNull(nameof(state))]
    public static Payment? Evolve(Payment? state, object @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        if (@event is PaymentRequested requested)
        {
            return state is null ? Begin(requested) : state with { Version = state.Version + 1 };
        }

        if (state is null)
        {
            return @event is IPaymentEvent
                ? throw new InvalidOperationException(
                    $"A payment stream must start with {nameof(PaymentRequested)}, not {@event.GetType().Name}.")
                : null;
        }

        var next = state.Then(@event) with { Version = state.Version + 1 };
        if (@event is not IPaymentEvent e)
        {
            return next;
        }

        return next.Status == state.Status
            ? next with { UpdatedAt = e.At }
            : next with { UpdatedAt = e.At, StatusChanges = next.StatusChanges.Add(new StatusChange(next.Status, e.At)) };
    }

    private Payment Then(object @event) => @event switch
    {
        PaymentOutcomeUnknown => this,
        PaymentPending e => this with
        {
            Status = Status == PaymentStatus.Requested ? PaymentStatus.Pending : Status,
            CheckoutPaymentId = CheckoutPaymentId ?? e.CheckoutPaymentId,
            RedirectUrl = RedirectUrl ?? e.RedirectUrl,
        },
        PaymentRejected e => this with { Status = PaymentStatus.Rejected, CheckoutErrorCodes = [.. e.ErrorCodes] },
        PaymentApproved e => this with
        {
            Status = PaymentStatus.CapturePending, CheckoutPaymentId = CheckoutPaymentId ?? e.CheckoutPaymentId,
        },
        PaymentCaptured e => this with
        {
            Status = PaymentStatus.Captured,
            CapturedAmount = e.Amount,
            CheckoutPaymentId = CheckoutPaymentId ?? e.CheckoutPaymentId,
        },
        PaymentCaptureDeclined e => this with
        {
            Status = PaymentStatus.Declined, CheckoutPaymentId = CheckoutPaymentId ?? e.CheckoutPaymentId,
        },
        PaymentCanceled e => this with
        {
            Status = PaymentStatus.Canceled, CheckoutPaymentId = CheckoutPaymentId ?? e.CheckoutPaymentId,
        },
        PaymentExpired e => this with
        {
            Status = PaymentStatus.Expired, CheckoutPaymentId = CheckoutPaymentId ?? e.CheckoutPaymentId,
        },
        KnetDetailsRecorded e => this with { Knet = e.Details },
        PaymentSynced => this,
        PaymentAbandoned => this with { Status = PaymentStatus.Rejected },
        FollowUpsCanceled => this with { ChecksCanceled = true },
        ReviewCleared => this with { ReviewFlags = [] },
        PaymentFlaggedForReview e => this with
        {
            ReviewFlags = ReviewFlags.Add(new ReviewFlag(e.Fact, e.StatusAtFlag, e.Reason, e.At, e.RefundId)),
        },
        RefundRequested e => this with
        {
            Refunds = Refunds.Add(new Refund(e.RefundId, e.Amount, e.Reference, RefundStatus.Requested, null, e.At, e.At)),
        },
        RefundOutcomeUnknown => this,
        RefundPending e => WithRefund(e.RefundId, r => r with { Status = RefundStatus.Pending, ActionId = e.ActionId }, e.At),
        RefundDeclined e => WithRefund(
            e.RefundId, r => r with { Status = RefundStatus.Declined, ActionId = r.ActionId ?? e.ActionId }, e.At),
        RefundSucceeded e => AfterRefundSucceeded(
            WithRefund(e.RefundId, r => r with { Status = RefundStatus.Succeeded, ActionId = r.ActionId ?? e.ActionId }, e.At)),
        _ => this,
    };

    private Payment WithRefund(Guid refundId, Func<Refund, Refund> change, DateTimeOffset at)
    {
        var index = Refunds.FindIndex(r => r.Id == refundId);
        return index < 0 ? this : this with { Refunds = Refunds.SetItem(index, change(Refunds[index]) with { UpdatedAt = at }) };
    }

    private static Payment AfterRefundSucceeded(Payment p) => p with
    {
        Status = p.RefundedAmount >= p.CapturedAmount ? PaymentStatus.Refunded : PaymentStatus.PartiallyRefunded,
    };
}
