using System.Security.Cryptography;
using System.Text;

namespace Payments.Sandbox.Webhooks;

/// <summary><c>Cko-Signature</c>: lowercase hex HMAC-SHA256 of the raw body under the configured key.</summary>
public static class WebhookSignature
{
    public const string Header = "Cko-Signature";

    public static string Compute(ReadOnlySpan<byte> body, string key) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), body));
}
