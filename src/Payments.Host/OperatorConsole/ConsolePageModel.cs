using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Payments.Host.OperatorConsole;

/// <summary>
/// The base of every console page. Reading is granted by the folder's policy (ConsoleSetup); a handler that acts asks
/// for its own scope with <see cref="MayAsync"/> and answers <see cref="Refused"/> without it (403, nothing done).
/// </summary>
public abstract class ConsolePageModel : PageModel
{
    /// <summary>The signed-in operator's key name: the principal recorded with everything they do.</summary>
    public string Operator => User.Identity?.Name ?? "";

    public Task<bool> MayAsync(string scope) => HttpContext.MayAsync(scope);

    /// <summary>403 through the console's scheme: a refusal page for a browser's GET, the bare status for a post.</summary>
    protected IActionResult Refused() => Forbid(ConsoleSetup.Scheme);
}
