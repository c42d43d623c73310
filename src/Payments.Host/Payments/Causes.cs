using Marten;
using Payments.Domain;

namespace Payments.Host.Payments;

/// <summary>The <c>cause</c> header on every event (Marten metadata): what made the service write it.</summary>
public static class Causes
{
    public const string Header = "cause";

    /// <summary>The Checkout.com action behind an event, when there is one.</summary>
    public const string CheckoutActionHeader = "checkout_action_id";

    public static string Webhook(string eventId) => $"webhook:{eventId}";
    /// <summary>An HTTP request's cause: the route, the API key's name (the principal) and the request's trace id.</summary>
    public static string Request(HttpContext context, string route)
    {
        ArgumentNullException.ThrowIfNull(context);
        return $"http:{route} by {context.User.Identity?.Name ?? "anonymous"} ({context.TraceIdentifier})";
    }
    /// <summary>
    /// An operator's action: the request's cause and the operator's reason after it (<see cref="OperatorCause"/>), so
    /// the timeline and the audit show who did it and why (docs/architecture.md, "Operator actions").
    /// </summary>
    public static string Operator(HttpContext context, string route, string reason) =>
        OperatorCause.Format(Request(context, route), reason);

    /// <summary>
    /// The principal of a cause <see cref="Request"/> or <see cref="Operator"/> wrote (the API key's name); null for
    /// any other cause.
    /// </summary>
    public static string? PrincipalOf(string? cause)
    {
        const string by = " by ";
        cause = OperatorCause.RequestOf(cause);
        if (cause is null || !cause.StartsWith("http:", StringComparison.Ordinal) || !cause.EndsWith(')'))
        {
            return null;
        }

        var trace = cause.LastIndexOf(" (", StringComparison.Ordinal);
        var name = trace < 0 ? -1 : cause.LastIndexOf(by, trace, StringComparison.Ordinal);
        return name < 0 ? null : cause[(name + by.Length)..trace];
    }

    public static string Scheduled(string check, int attempt) => $"scheduled:{check}#{attempt}";
    public static void Record(IDocumentSession session, string? cause)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (cause is not null)
        {
            session.SetHeader(Header, cause);
        }
    }

    public static string CheckoutRead(string checkoutPaymentId) => $"checkout:GET /payments/{checkoutPaymentId}";

    /// <summary>
    /// The customer's verified return: the route, the principal, the request's trace id and the Checkout.com payment the
    /// session resolved to. Not the session id: it travels in the customer's address bar, and once checked it says
    /// nothing the Checkout.com payment id does not (docs/architecture.md, "Verified return").
    /// </summary>
    public static string CustomerReturn(HttpContext context, Guid paymentId, string checkoutPaymentId)
    {
        ArgumentNullException.ThrowIfNull(context);
        return $"return:{checkoutPaymentId} via http:POST /payments/{paymentId}/return by {context.User.Identity?.Name ?? "anonymous"} ({context.TraceIdentifier})";
    }
}
