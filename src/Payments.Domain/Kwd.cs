using System.Globalization;

namespace Payments.Domain;

/// <summary>
/// Kuwaiti dinar rules. Amounts are always <c>long</c> fils (1.000 KWD = 1000 fils); a decimal never carries money here.
/// </summary>
public static class Kwd
{
    public const string Currency = "KWD";
    public const long FilsPerDinar = 1000;

    /// <summary>Checkout.com: at most nine digits.</summary>
    public const long MaxAmount = 999_999_999;

    /// <summary>
    /// Checkout.com's rule for the "divide by 1000" currencies: greater than zero, at most nine digits, last digit 0
    /// (an amount of 1001 is invalid).
    /// </summary>
    public static bool IsValidAmount(long fils) => fils is > 0 and <= MaxAmount && fils % 10 == 0;

    /// <summary>Formats fils for people, at the edges only: 1500 → "1.500 KWD".</summary>
    public static string Format(long fils)
    {
        var sign = fils < 0 ? "-" : "";
        var abs = Math.Abs(fils);
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{abs / FilsPerDinar}.{abs % FilsPerDinar:D3} {Currency}");
    }
}
