using System.Net;
using System.Text.RegularExpressions;

namespace Payments.EndToEnd.Tests.Fixtures;

/// <summary>Reads the antiforgery token out of a console page's form, as a browser would post it back.</summary>
public static partial class ConsoleForms
{
    public static string Token(string html)
    {
        var match = TokenField().Match(html);
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException("no antiforgery token in the page");
    }

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
