using Payments.Domain;

namespace Payments.Host.Payments;

/// <summary>One structured line per decision: what was asked, what the machine said, and why. No card data exists to log.</summary>
internal static partial class DecisionLog
{
    [LoggerMessage(EventId = 1000, Level = LogLevel.Information,
        Message = "Payment {PaymentId}: {Command} → {Kind} ({Reason})")]
    public static partial void Decided(this ILogger logger, Guid paymentId, string command, DecisionKind kind, string reason);

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Payment {PaymentId}: {Trigger} → {Kind} ({Reason})")]
    public static partial void Decided(this ILogger logger, Guid paymentId, PaymentTrigger trigger, DecisionKind kind, string reason);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information,
        Message = "Payment {PaymentId}: refund {Trigger} → {Kind} ({Reason})")]
    public static partial void Decided(this ILogger logger, Guid paymentId, RefundTrigger trigger, DecisionKind kind, string reason);
}
