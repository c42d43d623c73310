using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Payments.Shop;

/// <summary>Amounts as customers write them (KWD, three decimals) and as the service takes them (fils).</summary>
public static partial class Kwd
{
    /// <summary>
    /// Fils for "1.500", "1.5" or "12"; null when the text is not a positive KWD amount KNET accepts (at most three
    /// decimals, the last fils digit 0, at most 999999.990).
    /// </summary>
    public static long? ToFils(string? text)
    {
        if (text is null || Amount().Match(text.Trim()) is not { Success: true } match)
        {
            return null;
        }

        var fils = long.Parse(match.Groups["dinars"].Value, CultureInfo.InvariantCulture) * 1000
                   + long.Parse(match.Groups["fils"].Value.PadRight(3, '0'), CultureInfo.InvariantCulture);
        return fils > 0 && fils % 10 == 0 ? fils : null;
    }

    public static string Format(long fils) => (fils / 1000m).ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>A fresh order reference, <c>SHOP-</c> and 16 base32 characters: unguessable, and one per order.</summary>
    public static string NewOrderReference() => "SHOP-" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);

    public static bool IsOrderReference(string? text) => text is not null && OrderReference().IsMatch(text);

    [GeneratedRegex(@"^(?<dinars>[0-9]{1,6})(\.(?<fils>[0-9]{1,3}))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Amount();

    [GeneratedRegex(@"^SHOP-[A-Z2-7]{16}\z", RegexOptions.CultureInvariant)]
    private static partial Regex OrderReference();
}
