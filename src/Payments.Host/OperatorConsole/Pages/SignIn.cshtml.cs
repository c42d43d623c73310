using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Payments.Host.Security;

namespace Payments.Host.OperatorConsole.Pages;

public sealed partial class SignInModel(IOptionsMonitor<ApiKeyOptions> keys, ILogger<SignInModel> logger) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    public string? Refusal { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync([FromForm] string? apiKey)
    {
        var key = string.IsNullOrWhiteSpace(apiKey) ? null : keys.CurrentValue.Find(apiKey.Trim());
        if (key is null || !key.Scopes.Contains(Scopes.BackofficeRead))
        {
            // One answer for an unknown key and a key without the console's scope: the page says nothing about keys.
            SignInRefused(logger);
            Refusal = "This key cannot open the console.";
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Page();
        }

        await HttpContext.SignInAsync(ConsoleSetup.Scheme, ConsoleSetup.PrincipalOf(key));
        SignedIn(logger, key.Name);
        // Only a path of the console: never an address elsewhere (an open redirect).
        return LocalRedirect(ReturnUrl is { } url && url.StartsWith(ConsoleSetup.PathBase + "/", StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal)
            ? url : ConsoleSetup.PathBase + "/payments");
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await HttpContext.SignOutAsync(ConsoleSetup.Scheme);
        return RedirectToPage();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Console sign-in for key {KeyName}")]
    private static partial void SignedIn(ILogger logger, string keyName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console sign-in refused")]
    private static partial void SignInRefused(ILogger logger);
}
