using Payments.Domain;
using Payments.Host.Edge;

namespace Payments.Host.Payments;

/// <summary>
/// The body of <c>POST /payments/{id}/refunds</c>: a JSON object, both fields optional. <c>{}</c> refunds the whole
/// refundable balance; an empty body or <c>null</c> is malformed, never read as "everything". Whether the amount
/// fits the balance is the decider's to say, on the payment's current state.
/// </summary>
public sealed record RefundRequest : IValidatedRequest
{
    /// <summary>Fils; leave it out to refund the whole refundable balance.</summary>
    public long? Amount { get; init; }

    /// <summary>At most 50 characters.</summary>
    public string? Reference { get; init; }

    public static string InvalidTitle => "The refund request is not valid";

    /// <summary>Before the Idempotency-Key is claimed: a refused body leaves no record behind.</summary>
    public IReadOnlyList<FieldError> Validate() =>
        EdgeText.Errors([EdgeText.Check("reference", Reference)], KnetRules.ValidateRefund(Amount, Reference));
}
