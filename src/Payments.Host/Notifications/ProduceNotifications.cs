using JasperFx.Events;
using Marten;
using Payments.Domain;
using Payments.Host.Payments;
using Wolverine;

namespace Payments.Host.Notifications;

/// <summary>
/// Every status-changing event reaches here through Wolverine's fast event forwarding: the forwarded message is
/// written to the inbox in the transaction that appends the event, so it exists exactly when the event does
/// (docs/architecture.md, "Notifications"). Forwarded messages arrive in no particular order, so each one produces
/// the notifications of every change of its payment up to and including its event that do not exist yet: a later
/// event arriving first brings the earlier ones with it, and the ids make a second production a no-op. Productions of
/// one payment take its stream row lock, so they never race on the same ids.
/// </summary>
public static class ProduceNotificationsHandler
{
    public static Task<OutgoingMessages> Handle(IEvent<PaymentCaptured> e, IDocumentSession session, CancellationToken cancellation) =>
        ProduceAsync(e, session, cancellation);

    public static Task<OutgoingMessages> Handle(IEvent<PaymentCaptureDeclined> e, IDocumentSession session, CancellationToken cancellation) =>
        ProduceAsync(e, session, cancellation);

    public static Task<OutgoingMessages> Handle(IEvent<PaymentRejected> e, IDocumentSession session, CancellationToken cancellation) =>
        ProduceAsync(e, session, cancellation);

    /// <summary>An operator settled a lost request Checkout.com has no record of: the payment is Rejected.</summary>
    public static Task<OutgoingMessages> Handle(IEvent<PaymentAbandoned> e, IDocumentSession session, CancellationToken cancellation) =>
        ProduceAsync(e, session, cancellation);

    public static Task<OutgoingMessages> Handle(IEvent<PaymentCanceled> e, IDocumentSession session, CancellationToken cancellation) =>
        ProduceAsync(e, session, cancellation);

    public static Task<OutgoingMessages> Handle(IEvent<PaymentExpired> e, IDocumentSession session, CancellationToken cancellation) =>
        ProduceAsync(e, session, cancellation);

    public static Task<OutgoingMessages> Handle(IEvent<RefundSucceeded> e, IDocumentSession session, CancellationToken cancellation) =>
        ProduceAsync(e, session, cancellation);

    public static Task<OutgoingMessages> Handle(IEvent<RefundDeclined> e, IDocumentSession session, CancellationToken cancellation) =>
        ProduceAsync(e, session, cancellation);

    public static async Task<OutgoingMessages> ProduceAsync(IEvent forwarded, IDocumentSession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(forwarded);
        ArgumentNullException.ThrowIfNull(session);
        var outgoing = new OutgoingMessages();
        var endpoints = await session.Query<NotificationEndpoint>().Where(x => !x.Disabled).ToListAsync(cancellation);
        if (endpoints.Count == 0)
        {
            return outgoing;
        }

        // The payment's stream row lock, as every writer of the payment takes it: two productions of one payment run
        // one after the other, and the second sees what the first created.
        var paymentId = forwarded.StreamId;
        await session.Events.FetchForExclusiveWriting<Payment>(paymentId, cancellation);
        var events = await session.Events.FetchStreamAsync(paymentId, token: cancellation);
        var upTo = events.ToList().FindIndex(x => x.Id == forwarded.Id);
        if (upTo < 0)
        {
            // Committed with the forwarded message, so it is there; not finding it is a fault to retry, not to skip.
            throw new InvalidOperationException($"Event {forwarded.Id} is not on payment {paymentId}'s stream.");
        }

        var existing = (await session.Query<Notification>().Where(n => n.PaymentId == paymentId).Select(n => n.Id).ToListAsync(cancellation))
            .ToHashSet(StringComparer.Ordinal);
        Payment? state = null;
        for (var i = 0; i <= upTo; i++)
        {
            var before = state;
            state = Payment.Evolve(state, events[i].Data);
            if (state is null)
            {
                continue;
            }

            var changes = NotificationTypes.Changes(before, state);
            for (var c = 0; c < changes.Count; c++)
            {
                foreach (var endpoint in endpoints.Where(x => x.Accepts(changes[c]) && events[i].Sequence > x.AfterSequence))
                {
                    var id = Notification.IdOf(events[i].Id, changes[c], endpoint.Id);
                    if (!existing.Add(id))
                    {
                        continue;
                    }

                    var notification = new Notification
                    {
                        Id = id, EndpointId = endpoint.Id, PaymentId = paymentId, Type = changes[c], EventId = events[i].Id,
                        CreatedAt = events[i].Timestamp, Order = (events[i].Version * 16) + c, Data = PaymentView.Of(state) with { Version = events[i].Version },
                        Status = NotificationStatus.Pending,
                    };
                    session.Insert(notification);
                    outgoing.Add(new DeliverNotification(id, notification.Partition));
                }
            }
        }

        return outgoing;
    }
}
