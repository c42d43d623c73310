using Marten;
using JasperFx;
using Payments.Host.Payments;
using Wolverine;
using Wolverine.Http;

namespace Payments.Host.Notifications;

/// <summary>
/// <c>GET /notifications?paymentId=&amp;status=</c>: the delivery log, newest first, at most 200; 400
/// <c>request_malformed</c> for a status that is not pending, delivered or failed, or a payment id that is not one.
/// </summary>
public static class ListNotifications
{
    public const int Listed = 200;

    [WolverineGet("/notifications")]
    public static async Task<IResult> Get(string? paymentId, string? status, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        // Read here, not bound: a payment id that does not parse is refused, not read as "every payment".
        Guid? payment = null;
        if (!string.IsNullOrEmpty(paymentId))
        {
            if (!Guid.TryParseExact(paymentId, "D", out var parsedPayment))
            {
                return Problems.Malformed("paymentId is a payment id");
            }

            payment = parsedPayment;
        }

        NotificationStatus? wanted = null;
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<NotificationStatus>(status, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || status.Any(char.IsDigit))
            {
                return Problems.Malformed("status is one of pending, delivered, failed");
            }

            wanted = parsed;
        }

        var query = session.Query<Notification>().AsQueryable();
        if (payment is { } p)
        {
            query = query.Where(n => n.PaymentId == p);
        }

        if (wanted is { } w)
        {
            query = query.Where(n => n.Status == w);
        }

        var found = await query.OrderByDescending(n => n.CreatedAt).ThenByDescending(n => n.Order).Take(Listed).ToListAsync(cancellation);
        return Results.Ok(found.Select(NotificationView.Of).ToList());
    }
}

/// <summary><c>GET /notifications/{id}</c>: one notification and its delivery log; 404 <c>notification_not_found</c>.</summary>
public static class GetNotification
{
    [WolverineGet("/notifications/{id}")]
    public static async Task<IResult> Get(string id, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        var notification = NotificationProblems.Plausible(id) ? await session.LoadAsync<Notification>(id, cancellation) : null;
        return notification is null ? NotificationProblems.NotificationNotFound(id) : Results.Ok(NotificationView.Of(notification));
    }
}

/// <summary>
/// <c>POST /notifications/{id}/redeliver</c>: a delivered or failed notification is posted again (same id, a new
/// attempt in its log, its retries afresh); 202, 404, or 409 <c>notification_pending</c> while it is still being delivered.
/// </summary>
public static class RedeliverNotification
{
    [WolverinePost("/notifications/{id}/redeliver")]
    public static async Task<IResult> Post(
        string id, IDocumentStore store, Wolverine.Marten.IMartenOutbox outbox, CancellationToken cancellation)
    {
        var (notification, started) = await NotificationRedelivery.RedeliverAsync(id, store, outbox, cancellation);
        return notification switch
        {
            null => NotificationProblems.NotificationNotFound(id),
            _ when !started => Problems.Of(StatusCodes.Status409Conflict, "notification_pending", "The notification is still being delivered",
                "It is retried on its own schedule; redeliver it once it is delivered or failed."),
            _ => Results.Accepted($"/notifications/{notification.Id}", NotificationView.Of(notification)),
        };
    }

    /// <summary>
    /// Sends a delivered or failed notification again, the same id and body, its log kept: the notification (null: no
    /// such one) and whether a delivery was started (false: it is still pending, retried on its own schedule). The
    /// status change and the message are stored in <paramref name="session"/>'s transaction, which the caller commits
    /// (<see cref="NotificationRedelivery"/>, for the API and the console). With
    /// <paramref name="ofPayment"/>, a notification of another payment counts as none.
    /// </summary>
    public static async Task<(Notification? Notification, bool Started)> RedeliverAsync(
        string id, IDocumentSession session, IMessageBus bus, CancellationToken cancellation, Guid? ofPayment = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(bus);
        var notification = NotificationProblems.Plausible(id) ? await session.LoadAsync<Notification>(id, cancellation) : null;
        if (ofPayment is { } paymentId && notification?.PaymentId != paymentId)
        {
            return (null, false);
        }

        if (notification is null || notification.Status == NotificationStatus.Pending)
        {
            return (notification, false);
        }

        notification.Status = NotificationStatus.Pending;
        notification.FailuresInRow = 0;
        session.Store(notification);
        // Through the outbox of this transaction: the message exists exactly when the status change does.
        await bus.PublishAsync(new DeliverNotification(notification.Id, notification.Partition));
        return (notification, true);
    }
}

/// <summary>
/// A redelivery in its own session, enrolled in Wolverine's outbox and committed here: the API's and the console's. Two
/// operators redelivering one notification at the same instant both find it delivered or failed; the notification's
/// optimistic concurrency lets one commit, and the other is answered as it now stands, pending (409 in the API, a
/// message in the console): one delivery, never a 500.
/// </summary>
public static class NotificationRedelivery
{
    public static async Task<(Notification? Notification, bool Started)> RedeliverAsync(
        string id, IDocumentStore store, Wolverine.Marten.IMartenOutbox outbox, CancellationToken cancellation, Guid? ofPayment = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(outbox);
        await using var session = store.LightweightSession();
        outbox.Enroll(session);
        var answer = await RedeliverNotification.RedeliverAsync(id, session, outbox, cancellation, ofPayment);
        if (!answer.Started)
        {
            return answer;
        }

        try
        {
            await session.SaveChangesAsync(cancellation);
        }
        catch (ConcurrencyException)
        {
            return (answer.Notification, false);
        }

        return answer;
    }
}
