using JasperFx.Events;
using Marten;
using Marten.Events.Aggregation;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Operations;
using Payments.Host.Webhooks;
using Wolverine.Persistence.Durability;
using Wolverine.Http;

namespace Payments.Host.BackOffice;

/// <summary>What an operator may need to look at for one payment; the query decides what is overdue.</summary>
public sealed class AttentionItem
{
    public Guid Id { get; set; }

    /// <summary>The payment as folded so far (the projection's memory between events).</summary>
    public Payment State { get; set; } = new();

    public string Status { get; set; } = "";
    public long Amount { get; set; }
    public string? Reference { get; set; }
    public bool NeedsReview { get; set; }
    public List<string> Reasons { get; set; } = [];

    /// <summary>Set while the payment is undecided (Requested, Pending, CapturePending): when it was requested.</summary>
    public DateTimeOffset? UndecidedSince { get; set; }

    /// <summary>Set while a refund is requested or pending: when the oldest of them was requested.</summary>
    public DateTimeOffset? OldestRefundInFlightSince { get; set; }

    public static AttentionItem Of(Payment p) => new()
    {
        Id = p.Id, State = p, Status = p.Status.ToString(), Amount = p.Amount, Reference = p.Reference,
        NeedsReview = p.NeedsReview, Reasons = [.. p.ReviewFlags.Select(f => f.Reason)],
        UndecidedSince = p.Status is PaymentStatus.Requested or PaymentStatus.Pending or PaymentStatus.CapturePending ? p.RequestedAt : null,
        OldestRefundInFlightSince = p.Refunds.Where(r => r.IsInFlight).Select(r => (DateTimeOffset?)r.RequestedAt).Min(),
    };
}

/// <summary>
/// Async: the domain fold again, reduced to what the attention query filters on. Payment streams only: Marten's
/// Tombstone stream is none of ours (docs/architecture.md, Projections).
/// </summary>
public partial class AttentionProjection : SingleStreamProjection<AttentionItem, Guid>
{
    public AttentionProjection() => FilterIncomingEventsOnStreamType(typeof(Payment));

    public override AttentionItem? Evolve(AttentionItem? snapshot, Guid id, IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Payment.Evolve(snapshot?.State, e.Data) is { } payment ? AttentionItem.Of(payment) : snapshot;
    }
}

public sealed record AttentionPayment(Guid Id, string Status, long Amount, string? Reference, DateTimeOffset? Since, IReadOnlyList<string> Reasons);

public sealed record Attention(
    DateTimeOffset OverdueBefore, IReadOnlyList<AttentionPayment> UndecidedPayments, IReadOnlyList<AttentionPayment> UndecidedRefunds,
    IReadOnlyList<AttentionPayment> FlaggedForReview, IReadOnlyList<ParkedWebhook> ParkedWebhooks,
    IReadOnlyList<DeadLetter> DeadLetters, IReadOnlyList<Notifications.NotificationView> FailedNotifications,
    IReadOnlyList<Reconciliation.ReconciliationDiscrepancy> ReconciliationDiscrepancies);

/// <summary>
/// <c>GET /operations/attention</c>: payments and refunds undecided for longer than <c>Payments:AttentionAfter</c>,
/// payments flagged for review, parked webhooks, dead-lettered messages, and notifications to the merchant that
/// failed after their last retry (at most 200, newest first), and the discrepancies of the settlement days reconciled
/// in the last week (<see cref="Reconciliation.ReconciliationAttention"/>).
/// </summary>
public static class OperationsAttention
{
    [WolverineGet("/operations/attention")]
    public static async Task<Attention> Get(
        IQuerySession session, IMessageStore messages, TimeProvider time, IOptions<PaymentTimings> timings, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(timings);
        var overdueBefore = time.GetUtcNow() - timings.Value.AttentionAfter;
        var items = await session.Query<AttentionItem>()
            .Where(a => a.NeedsReview || a.UndecidedSince < overdueBefore || a.OldestRefundInFlightSince < overdueBefore)
            .OrderBy(a => a.Id).ToListAsync(cancellation);
        static AttentionPayment View(AttentionItem a, DateTimeOffset? since) => new(a.Id, a.Status, a.Amount, a.Reference, since, a.Reasons);
        return new Attention(
            overdueBefore,
            [.. items.Where(a => a.UndecidedSince < overdueBefore).Select(a => View(a, a.UndecidedSince))],
            [.. items.Where(a => a.OldestRefundInFlightSince < overdueBefore).Select(a => View(a, a.OldestRefundInFlightSince))],
            [.. items.Where(a => a.NeedsReview).Select(a => View(a, null))],
            await ParkedWebhooks.List(session, cancellation),
            await DeadLetters.ListAsync(messages, session, cancellation),
            [.. (await session.Query<Notifications.Notification>().Where(n => n.Status == Notifications.NotificationStatus.Failed)
                .OrderByDescending(n => n.CreatedAt).Take(Notifications.ListNotifications.Listed).ToListAsync(cancellation))
                .Select(Notifications.NotificationView.Of)],
            await Reconciliation.ReconciliationAttention.ListAsync(session, time.GetUtcNow(), cancellation));
    }
}
