using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Payments.Shop.Pages;

/// <summary>
/// Where KNET sends the customer back (<c>/receipt?order=…&amp;cko-session-id=sid_…</c>). Stateless: the order's
/// payment is found by its reference, and the session id goes to the payments service's verified return, which reads
/// Checkout.com at once, so the receipt is right even when the webhook is late or lost (README, "Demo shop").
/// </summary>
public sealed class ReceiptModel(PaymentsApi payments) : PageModel
{
    /// <summary>Kuwait keeps UTC+3 all year (no daylight saving).</summary>
    public static readonly TimeSpan KuwaitOffset = TimeSpan.FromHours(3);

    public enum Outcome
    {
        Paid,
        Failed,
        Confirming,
        Unverified,
        Unknown,
        Unavailable,
    }

    public Outcome Result { get; private set; } = Outcome.Unknown;
    public PaymentView? Payment { get; private set; }
    public PaymentListItem? Order { get; private set; }
    public string? OrderReference { get; private set; }

    /// <summary>The cart again with this order's amount, e-mail and language.</summary>
    public string TryAgainUrl => Order is null
        ? "/"
        : $"/?amount={Uri.EscapeDataString(Kwd.Format(Order.Amount))}&email={Uri.EscapeDataString(Order.CustomerEmail ?? "")}";

    public async Task<IActionResult> OnGetAsync(
        string? order, [FromQuery(Name = "cko-session-id")] string? sessionId, CancellationToken cancellation)
    {
        if (!Kwd.IsOrderReference(order))
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        OrderReference = order;
        try
        {
            Order = await payments.FindAsync(order!, cancellation);
            if (Order is null)
            {
                Response.StatusCode = StatusCodes.Status404NotFound;
                return Page();
            }

            if (sessionId is null)
            {
                Payment = await payments.GetAsync(Order.Id, cancellation);
            }
            else
            {
                switch (await payments.ReturnAsync(Order.Id, sessionId, cancellation))
                {
                    case Returned.Payment answered:
                        Payment = answered.View;
                        break;
                    case Returned.Refused:
                        Result = Outcome.Unverified;
                        Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
                        return Page();
                    default:
                        Response.StatusCode = StatusCodes.Status404NotFound;
                        return Page();
                }
            }
        }
        catch (HttpRequestException)
        {
            Result = Outcome.Unavailable;
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Page();
        }

        Result = Payment?.Status switch
        {
            "Captured" or "PartiallyRefunded" or "Refunded" => Outcome.Paid,
            "Declined" or "Canceled" or "Expired" or "Rejected" => Outcome.Failed,
            null => Outcome.Unknown,
            _ => Outcome.Confirming,
        };
        return Page();
    }

    /// <summary>What the customer reads for a payment that did not go through.</summary>
    public string FailureMessage => Payment?.Status switch
    {
        "Canceled" => "You canceled the payment on the KNET page. Nothing was charged.",
        "Expired" => "The KNET page was left open too long and the payment expired. Nothing was charged.",
        "Rejected" => "The payment could not be started. Nothing was charged.",
        _ => "Your bank declined the payment. Nothing was charged. Check the card's expiry date and PIN, or use another card.",
    };

    public static string DateTime(DateTimeOffset at) =>
        at.ToOffset(KuwaitOffset).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " (Kuwait time)";
}
