using Microsoft.AspNetCore.Mvc;

namespace Payments.Host.OperatorConsole.Pages;

public sealed class IndexModel : ConsolePageModel
{
    public IActionResult OnGet() => Redirect(ConsoleSetup.PathBase + "/payments");
}
