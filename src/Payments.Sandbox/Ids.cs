using System.Security.Cryptography;

namespace Payments.Sandbox;

/// <summary>Checkout.com-shaped ids: a prefix and 26 lowercase base32 characters (<c>pay_4gubyq2w335upc54dx7a4257lq</c>).</summary>
public static class Ids
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    public static string New(string prefix) => $"{prefix}_{Random(26)}";

    public static string Random(int length)
    {
        Span<byte> bytes = stackalloc byte[length];
        RandomNumberGenerator.Fill(bytes);
        return string.Create(length, bytes.ToArray(), (chars, source) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = Alphabet[source[i] % Alphabet.Length];
            }
        });
    }

    public static string Digits(int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)('0' + RandomNumberGenerator.GetInt32(i == 0 ? 1 : 0, 10));
        }

        return new string(chars);
    }
}
