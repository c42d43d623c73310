using Marten;
using Payments.Domain;
using Wolverine.Marten;
using Wolverine.Attributes;

namespace Payments.Host.Payments;

/// <summary>Something about this payment needs an operator (e.g. Checkout.com stays silent past the bound).</summary>
public sealed record FlagPaymentForReview([property: Audit] Guid PaymentId, string Reason, string? Cause = null);

public static class FlagPaymentForReviewHandler
{
    public static Events Handle(FlagPaymentForReview command, [WriteAggregate(LoadStyle = ConcurrencyStyle.Exclusive)] Payment payment, IDocumentSession session, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(command);
        Causes.Record(session, command.Cause);
        return [.. PaymentDecider.FlagForReview(payment, command.Reason, time.GetUtcNow()).Events];
    }
}
