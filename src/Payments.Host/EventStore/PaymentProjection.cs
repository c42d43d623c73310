using JasperFx.Events;
using Marten.Events.Aggregation;
using Payments.Domain;

namespace Payments.Host.EventStore;

/// <summary>
/// The inline snapshot of a payment: Marten feeds each event to the domain's pure fold. No logic lives here, so a
/// rebuild and a replay give exactly what the decisions saw.
/// </summary>
public partial class PaymentProjection : SingleStreamProjection<Payment, Guid>
{
    /// <summary>
    /// A rebuild reads every stream, and Marten keeps one of its own: the Tombstone events it writes when an append
    /// transaction fails sit on a stream with no type. Only payment streams are read (docs/architecture.md, Projections).
    /// </summary>
    public PaymentProjection() => FilterIncomingEventsOnStreamType(typeof(Payment));

    public override Payment? Evolve(Payment? snapshot, Guid id, IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Payment.Evolve(snapshot, e.Data);
    }
}
