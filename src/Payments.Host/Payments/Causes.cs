using Marten;

namespace Payments.Host.Payments;

/// <summary>The <c>cause</c> header on every event (Marten metadata): what made the service write it.</summary>
public static class Causes
{
    public const string Header = "cause";

    /// <summary>The Checkout.com action behind an event, when there is one.</summary>
    public const string CheckoutActionHeader = "checkout_action_id";

    public static string Webhook(string eventId) => $"webhook:{eventId}";
    public static string Request(string traceIdentifier) => $"http:{traceIdentifier}";
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
