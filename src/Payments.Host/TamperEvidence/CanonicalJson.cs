using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Payments.Host.TamperEvidence;

/// <summary>
/// One text for every JSON value, whatever its formatting: what the chain hashes, so an auditor recomputes the same
/// bytes from the JSON PostgreSQL gives back (jsonb reorders keys and drops whitespace). The rules, after RFC 8785:
/// no whitespace; object members sorted by key, ordinally by UTF-16 code unit; strings escaped only where JSON requires
/// (<c>\"</c>, <c>\\</c>, <c>\b \f \n \r \t</c>, other characters below U+0020 as <c>\u00xx</c>, lower-case hex),
/// everything else as its UTF-8; a number whose value is an integer as plain decimal digits (<c>1500</c>, also for
/// <c>1500.0</c> or <c>1.5e3</c>), any other number as the shortest round-trip text of its double
/// (<c>double.ToString("R")</c>); <c>true</c>, <c>false</c>, <c>null</c>. See docs/architecture.md, "Tamper-evident log".
/// </summary>
public static class CanonicalJson
{
    public static string Of(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Of(document.RootElement);
    }

    public static string Of(JsonElement element)
    {
        var text = new StringBuilder();
        Write(text, element);
        return text.ToString();
    }

    public static void Write(StringBuilder text, JsonElement element)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var first = true;
                foreach (var member in element.EnumerateObject().OrderBy(m => m.Name, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        text.Append(',');
                    }

                    first = false;
                    WriteString(text, member.Name);
                    text.Append(':');
                    Write(text, member.Value);
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (index++ > 0)
                    {
                        text.Append(',');
                    }

                    Write(text, item);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(text, element.GetString()!);
                break;
            case JsonValueKind.Number:
                text.Append(Number(element.GetRawText()));
                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            default:
                text.Append("null");
                break;
        }
    }

    public static void WriteString(StringBuilder text, string value)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(value);
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                default:
                    if (c < ' ')
                    {
                        text.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
    }

    private static string Number(string raw)
    {
        if (decimal.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact) && exact == decimal.Truncate(exact))
        {
            return decimal.Truncate(exact).ToString("0", CultureInfo.InvariantCulture);
        }

        return double.Parse(raw, NumberStyles.Float, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture);
    }
}
