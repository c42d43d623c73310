using Marten;

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
}
