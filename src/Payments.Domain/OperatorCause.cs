namespace Payments.Domain;

/// <summary>
/// The cause an operator's action writes on its events: the request (route, the API key's name, the trace id) and the
/// operator's reason, last, so any text it holds cannot be mistaken for the parts before it
/// (docs/architecture.md, "Operator actions").
/// </summary>
public static class OperatorCause
{
    public const int ReasonMaxLength = 500;
    private const string ReasonMarker = " reason: ";

    /// <summary>Events only an operator's action writes: the audit wants a reason in their cause.</summary>
    public static bool IsOperatorEvent(object e) => e is PaymentSynced or PaymentAbandoned or FollowUpsCanceled or ReviewCleared;

    public static string Format(string request, string reason) => $"{request}{ReasonMarker}{reason}";

    /// <summary>The request part of a cause (the whole cause when it holds no reason).</summary>
    public static string? RequestOf(string? cause) =>
        cause is null ? null : cause.IndexOf(ReasonMarker, StringComparison.Ordinal) is var i and >= 0 ? cause[..i] : cause;

    /// <summary>The operator's reason in a cause; null when there is none (or it is blank).</summary>
    public static string? ReasonOf(string? cause)
    {
        var i = cause?.IndexOf(ReasonMarker, StringComparison.Ordinal) ?? -1;
        return i < 0 || string.IsNullOrWhiteSpace(cause![(i + ReasonMarker.Length)..]) ? null : cause[(i + ReasonMarker.Length)..];
    }
}
