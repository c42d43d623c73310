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

    /// <summary>
    /// Reads an amount people typed in dinars, at the edges only: "1.5" → 1500, "0.500" → 500, "12" → 12000. Digits
    /// with at most three decimals; no sign, exponent, group separator or currency, so nothing is rounded or guessed.
    /// Whether the amount is allowed is <see cref="IsValidAmount"/>'s to say.
    /// </summary>
    public static bool TryParse(string? text, out long fils)
    {
        fils = 0;
        var trimmed = text.AsSpan().Trim();
        var point = trimmed.IndexOf('.');
        var whole = point < 0 ? trimmed : trimmed[..point];
        var fraction = point < 0 ? [] : trimmed[(point + 1)..];
        if (whole.IsEmpty || whole.Length > 12 || fraction.Length > 3 || (point >= 0 && fraction.IsEmpty)
            || !IsDigits(whole) || !IsDigits(fraction))
        {
            return false;
        }

        long value = 0;
        foreach (var digit in whole)
        {
            value = (value * 10) + (digit - '0');
        }

        for (var i = 0; i < 3; i++)
        {
            value = (value * 10) + (i < fraction.Length ? fraction[i] - '0' : 0);
        }

        fils = value;
        return true;
    }

    private static bool IsDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Formats fils for people, at the edges only: 1500 → "1.500 KWD".</summary>
    public static string Format(long fils)
    {
        var sign = fils < 0 ? "-" : "";
        var abs = Math.Abs(fils);
        return string.Create(CultureInfo.InvariantCulture, $"{sign}{abs / FilsPerDinar}.{abs % FilsPerDinar:D3} {Currency}");
    }
}
