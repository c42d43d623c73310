using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Payments.Host.TamperEvidence;

/// <summary>What one event's hash covers: every column of its <c>mt_events</c> row that is fixed when it is appended.</summary>
public sealed record ChainedEvent(
    Guid StreamId, long Version, Guid EventId, string TypeName, DateTimeOffset Timestamp,
    string? CausationId, string? CorrelationId, string CanonicalHeaders, string CanonicalData);

/// <summary>
/// The hash of an event in its stream's chain (docs/architecture.md, "Tamper-evident log"): lower-case hex SHA-256 of
/// the UTF-8 bytes of the canonical JSON array
/// <c>["knet-payments/event/1", stream id, version, event id, type, timestamp, causation id, correlation id, headers, data, prev]</c>
/// (<see cref="CanonicalJson"/>): ids as lower-case hyphenated strings, the version as a number, the type as Marten's
/// <c>type</c> column, the timestamp as UTC with six fractional digits (<c>2026-12-02T08:28:24.123456Z</c>, what the
/// <c>timestamptz</c> column holds), causation and correlation ids as strings or null, headers as the object without
/// <c>hash</c> and <c>prev</c>, data as stored, and <c>prev</c> the previous event's hash (<see cref="Genesis"/> for the first).
/// </summary>
public static class EventHash
{
    public const string Version1 = "knet-payments/event/1";
    public const string HashHeader = "hash";
    public const string PrevHeader = "prev";

    /// <summary>The <c>prev</c> of a stream's first event.</summary>
    public static readonly string Genesis = new('0', 64);

    public static string Compute(ChainedEvent e, string prev)
    {
        ArgumentNullException.ThrowIfNull(e);
        var text = new StringBuilder(e.CanonicalData.Length + e.CanonicalHeaders.Length + 320);
        text.Append('[');
        CanonicalJson.WriteString(text, Version1);
        text.Append(',');
        CanonicalJson.WriteString(text, e.StreamId.ToString("D"));
        text.Append(',').Append(e.Version.ToString(CultureInfo.InvariantCulture)).Append(',');
        CanonicalJson.WriteString(text, e.EventId.ToString("D"));
        text.Append(',');
        CanonicalJson.WriteString(text, e.TypeName);
        text.Append(',');
        CanonicalJson.WriteString(text, Timestamp(e.Timestamp));
        text.Append(',');
        WriteNullable(text, e.CausationId);
        text.Append(',');
        WriteNullable(text, e.CorrelationId);
        text.Append(',').Append(e.CanonicalHeaders).Append(',').Append(e.CanonicalData).Append(',');
        CanonicalJson.WriteString(text, prev);
        text.Append(']');
        return Hex(text.ToString());
    }

    /// <summary>PostgreSQL keeps microseconds: the stored timestamp is the appended one cut to the microsecond.</summary>
    public static string Timestamp(DateTimeOffset timestamp)
    {
        var utc = timestamp.UtcDateTime;
        utc = new DateTime(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
    }

    /// <summary>The headers object as hashed: every header but the chain's own two, canonical.</summary>
    public static string CanonicalHeaders(JsonElement? headers)
    {
        var text = new StringBuilder("{");
        if (headers is { ValueKind: JsonValueKind.Object } members)
        {
            var first = true;
            foreach (var member in members.EnumerateObject()
                         .Where(m => m.Name is not (HashHeader or PrevHeader))
                         .OrderBy(m => m.Name, StringComparer.Ordinal))
            {
                if (!first)
                {
                    text.Append(',');
                }

                first = false;
                CanonicalJson.WriteString(text, member.Name);
                text.Append(':');
                CanonicalJson.Write(text, member.Value);
            }
        }

        return text.Append('}').ToString();
    }

    public static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static void WriteNullable(StringBuilder text, string? value)
    {
        if (value is null)
        {
            text.Append("null");
        }
        else
        {
            CanonicalJson.WriteString(text, value);
        }
    }
}
