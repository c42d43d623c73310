namespace Payments.Host.Payments;

/// <summary>
/// The <c>{id}</c> of every payment route. We issue UUIDv7 ids, never the all-zero GUID, and Marten throws when asked to
/// fetch a stream for writing with an empty id (a refund to it was a 500): an id that is not a non-empty GUID names
/// no payment and is answered like an unknown one, 404 <c>payment_not_found</c> (docs/architecture.md, "Hostile input").
/// </summary>
public static class PaymentIds
{
    public static bool TryParse(string? id, out Guid paymentId) => Guid.TryParse(id, out paymentId) && paymentId != Guid.Empty;
}
