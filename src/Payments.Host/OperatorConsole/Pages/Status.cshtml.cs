using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Payments.Host.OperatorConsole.Pages;

/// <summary>
/// Where a browser's refused page view is sent (403), answered with its own status. A refused form post gets the bare
/// status instead (ConsoleSetup): nothing is acted on by following a redirect.
/// </summary>
public sealed class StatusModel : PageModel
{
    public string Title { get; private set; } = "";
    public string Message { get; private set; } = "";

    public void OnGet(int code)
    {
        (Response.StatusCode, Title, Message) = code switch
        {
            StatusCodes.Status400BadRequest => (code, "Not accepted",
                "The form was not sent by this console's page, or it expired. Go back, reload the page and try again."),
            StatusCodes.Status401Unauthorized => (code, "Sign in", "Sign in with your API key to use the console."),
            StatusCodes.Status403Forbidden => (code, "Not allowed", "Your key does not have the scope this page or action needs."),
            StatusCodes.Status404NotFound => (code, "Not found", "There is nothing here."),
            StatusCodes.Status503ServiceUnavailable => (code, "Briefly unavailable", "The service cannot reach its database just now. Try again in a few seconds."),
            _ => (code is >= 400 and < 600 ? code : StatusCodes.Status404NotFound, "Something went wrong", "The console could not answer. Try again."),
        };
    }
}
