namespace Payments.Domain;

public enum DecisionKind
{
    /// <summary>The machine permitted it: write <see cref="Decision.Events"/>.</summary>
    Applied,

    /// <summary>A duplicate or late fact, or a command already carried out: nothing to write, not an error.</summary>
    NoOp,

    /// <summary>A provider fact contradicting what we know: write the review flag only, apply nothing.</summary>
    Flagged,

    /// <summary>A merchant command the payment does not allow: write nothing, answer with <see cref="Decision.Code"/>.</summary>
    Refused,
}

/// <summary>The answer of a pure decision: what to write, and why.</summary>
public sealed record Decision(DecisionKind Kind, IReadOnlyList<IPaymentEvent> Events, string Reason, string? Code = null)
{
    public IReadOnlyList<FieldError> Errors { get; init; } = [];

    public static Decision Applied(string reason, params IPaymentEvent[] events) => new(DecisionKind.Applied, events, reason);
    public static Decision NoOp(string reason) => new(DecisionKind.NoOp, [], reason);
    public static Decision Refused(string code, string reason) => new(DecisionKind.Refused, [], reason, code);
}
