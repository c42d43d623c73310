using System.Net.Mail;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Payments.Shop.Pages;

/// <summary>
/// The cart: an amount in KWD, the customer's e-mail and the KNET page's language. "Pay with KNET" asks the payments
/// service for a payment under a fresh order reference and sends the customer to KNET's page (303).
/// </summary>
public sealed class IndexModel(PaymentsApi payments) : PageModel
{
    [BindProperty]
    public string? Amount { get; set; } = "1.500";

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? Language { get; set; } = "en";

    /// <summary>
    /// Made when the cart is shown and posted back with it: the order's reference and its payment's Idempotency-Key,
    /// so a double click or a re-sent form starts one payment, not two.
    /// </summary>
    [BindProperty]
    public string? OrderReference { get; set; }

    public string? AmountError { get; private set; }
    public string? EmailError { get; private set; }
    public string? Problem { get; private set; }

    /// <summary>"Try again" comes back here with the order's amount, e-mail and language.</summary>
    public void OnGet(string? amount, string? email, string? language)
    {
        Amount = amount ?? Amount;
        Email = email;
        Language = language is "ar" ? "ar" : "en";
        OrderReference = Kwd.NewOrderReference();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellation)
    {
        var fils = Kwd.ToFils(Amount);
        AmountError = fils is null ? "Enter an amount in KWD greater than zero, with at most three decimals and a last digit of 0, e.g. 1.500." : null;
        EmailError = IsEmail(Email) ? null : "Enter an e-mail address, e.g. buyer@example.com.";
        Language = Language is "ar" ? "ar" : "en";
        var reference = Kwd.IsOrderReference(OrderReference) ? OrderReference! : Kwd.NewOrderReference();
        OrderReference = reference;
        if (fils is null || EmailError is not null)
        {
            Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
            return Page();
        }

        var started = await StartAsync(new Order(reference, fils.Value, Email!.Trim(), Language), cancellation);
        switch (started)
        {
            case Started.ToKnet knet:
                Response.Headers.Location = knet.Redirect.AbsoluteUri;
                return StatusCode(StatusCodes.Status303SeeOther);
            case Started.Refused refused:
                Problem = $"The payment could not be started: {refused.Reason}";
                // Changed since the first attempt (the key is bound to its body): a new order.
                OrderReference = Kwd.NewOrderReference();
                Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
                return Page();
            default:
                Problem = "KNET is not answering right now. Please try again in a moment.";
                Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Page();
        }
    }

    private async Task<Started> StartAsync(Order order, CancellationToken cancellation)
    {
        try
        {
            return await payments.StartAsync(order, cancellation);
        }
        catch (HttpRequestException)
        {
            return new Started.NotYet();
        }
    }

    private static bool IsEmail(string? text) =>
        text is { Length: > 0 and <= 254 } && MailAddress.TryCreate(text.Trim(), out var address) && address.Address == text.Trim()
        && address.Host.Contains('.', StringComparison.Ordinal);
}
