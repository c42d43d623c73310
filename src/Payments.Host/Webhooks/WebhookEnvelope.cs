using System.Text.Json;
using System.Text.Unicode;
using Payments.Domain;
using Payments.Host.Edge;

namespace Payments.Host.Webhooks;

/// <summary>
/// What a signed webhook must be before any of it is stored (docs/architecture.md, Webhooks): UTF-8, one JSON object,
/// no key twice in an object, at most <see cref="MaxDepth"/> levels, with an event id, a type and <c>data.id</c>.
/// Every string in it, values and property names alike, passes <see cref="EdgeText"/>: the body is stored as it came
/// and its strings end up in events, and PostgreSQL's jsonb cannot hold a NUL or a lone surrogate. Checkout.com signs
/// what it sends, so a body that breaks these rules is a broken delivery: 400, stored nowhere.
/// </summary>
public sealed record WebhookEnvelope(string Id, string Type, string PaymentId)
{
    /// <summary>Checkout.com's envelopes are four levels deep at most (<c>_links.self.href</c>); this leaves room.</summary>
    public const int MaxDepth = 16;

    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = MaxDepth };

    /// <summary>The envelope, or what is wrong with the body (a sentence, and the field error when a string is refused).</summary>
    public static (WebhookEnvelope? Envelope, string? Problem, FieldError? Error) Read(ReadOnlyMemory<byte> body)
    {
        // System.Text.Json checks UTF-8 only in the strings it is asked to decode; the whole body is checked here.
        if (!Utf8.IsValid(body.Span))
        {
            return (null, "The body is not valid UTF-8.", null);
        }

        try
        {
            using var json = JsonDocument.Parse(body, Strict);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, "A webhook is a JSON object.", null);
            }

            if (Refused(root, "$") is { } error)
            {
                return (null, $"{error.Field}: {error.Message}", error);
            }

            return root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString() is { Length: > 0 and <= 100 } eventId
                   && root.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() is { Length: > 0 and <= 100 } typeName
                   && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object
                   && data.TryGetProperty("id", out var paymentId) && paymentId.ValueKind == JsonValueKind.String
                   && paymentId.GetString() is { Length: > 0 and <= 100 } checkoutId
                ? (new WebhookEnvelope(eventId, typeName, checkoutId), null, null)
                : (null, "A webhook needs JSON with id, type and data.id.", null);
        }
        catch (JsonException e)
        {
            // Not JSON, a key twice in one object, or nested deeper than MaxDepth.
            return (null, $"The body is not strict JSON: {e.Message}", null);
        }
        catch (InvalidOperationException)
        {
            // Looking for duplicate keys decodes every property name, and one of them could not be decoded.
            var error = UnpairedSurrogate("a property name");
            return (null, $"{error.Field}: {error.Message}", error);
        }
    }

    /// <summary>The first string, value or property name, that the edge rule refuses, depth first.</summary>
    private static FieldError? Refused(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (Decoded(() => property.Name, $"{path} (a property name)") is { Error: { } nameError })
                    {
                        return nameError;
                    }

                    // Only a name that passed the rule goes into a path shown back to the sender.
                    if (Refused(property.Value, $"{path}.{property.Name}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (Refused(item, $"{path}[{index++}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case JsonValueKind.String:
                return Decoded(element.GetString, path).Error;
            default:
                return null;
        }
    }

    private static (string? Text, FieldError? Error) Decoded(Func<string?> read, string field)
    {
        try
        {
            var text = read();
            return (text, EdgeText.Check(field, text));
        }
        catch (InvalidOperationException)
        {
            return (null, UnpairedSurrogate(field));
        }
    }

    /// <summary>
    /// The body is valid UTF-8, so the only string System.Text.Json cannot decode is one with an escaped lone surrogate
    /// (<c>\ud800</c>): it refuses to produce it, and EdgeText would refuse it once produced. Same code, same message.
    /// </summary>
    private static FieldError UnpairedSurrogate(string field) =>
        new(field, EdgeText.UnpairedSurrogate, "Unpaired UTF-16 surrogates are not accepted.");
}
