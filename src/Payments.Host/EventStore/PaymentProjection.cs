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
    public override Payment Evolve(Payment? snapshot, Guid id, IEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return Payment.Evolve(snapshot, e.Data);
    }
}
