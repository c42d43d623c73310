using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Payments.Host.Notifications;

/// <summary>
/// Stripe's scheme: <c>Payments-Signature: v1=&lt;hex HMAC-SHA256 of "{timestamp}.{body}"&gt;</c>, one <c>v1=</c> per
/// signing secret. <see cref="Verify"/> is the receiver's side, shown in the README.
/// </summary>
public static class NotificationSignature
{
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    /// <summary>The header value for <paramref name="secrets"/> (the current one first).</summary>
    public static string Header(IEnumerable<string> secrets, long timestamp, string body) =>
        string.Join(", ", secrets.Select(s => "v1=" + Compute(s, timestamp, body)));

    public static string Compute(string secret, long timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var signed = Encoding.UTF8.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + "." + body);
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed));
    }

    /// <summary>
    /// True when one <c>v1=</c> of <paramref name="header"/> is the HMAC of <c>timestamp.body</c> under
    /// <paramref name="secret"/> (compared in constant time) and the timestamp is within five minutes of <paramref name="now"/>.
    /// </summary>
    public static bool Verify(string secret, string timestamp, string body, string header, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(secret) || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || header is null || body is null)
        {
            return false;
        }

        if (Math.Abs(now.ToUnixTimeSeconds() - seconds) > Tolerance.TotalSeconds)
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Compute(secret, seconds, body));
        var match = false;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                match |= CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(part[3..]));
            }
        }

        return match;
    }
}
