using System.Text.Json;
using System.Text.Json.Nodes;

namespace Payments.Sandbox.Api;

/// <summary>A KNET payment request that passed every rule.</summary>
public sealed record ValidKnetRequest(
    long Amount, string Currency, string? Reference, string? Description, string? SuccessUrl, string? FailureUrl,
    KnetSource Source, JsonObject? Metadata, string? CustomerId, string? CustomerEmail, string? CustomerName,
    string? ProcessingChannelId);

/// <summary>
/// Checkout.com's rules for <c>POST /payments</c> with a KNET source (checkout-knet-api.md §1), every broken rule
/// reported at once. Written here independently of the service's own rules: this is the other side of the wire.
/// </summary>
public static class KnetRequestRules
{
    public static (ValidKnetRequest? Request, IReadOnlyList<string> Errors) Validate(JsonElement body, Platform platform)
    {
        var errors = new List<string>();
        var channel = OptionalString(body, "processing_channel_id", "processing_channel_id_invalid", errors);
        if (channel is null && platform == Platform.Default && !errors.Contains("processing_channel_id_invalid"))
        {
            errors.Add("processing_channel_id_required");
        }
        else if (channel is not null && !IsId(channel, "pc"))
        {
            errors.Add("processing_channel_id_invalid");
        }

        long amount = 0;
        if (!body.TryGetProperty("amount", out var amountElement) || amountElement.ValueKind == JsonValueKind.Null)
        {
            errors.Add("amount_required");
        }
        else if (amountElement.ValueKind != JsonValueKind.Number || !amountElement.TryGetInt64(out amount)
                 || amount <= 0 || amount > 999_999_999 || amount % 10 != 0)
        {
            errors.Add("amount_invalid");
        }

        var currency = OptionalString(body, "currency", "currency_invalid", errors);
        if (currency is null && !errors.Contains("currency_invalid"))
        {
            errors.Add("currency_required");
        }
        else if (currency is not null && currency != "KWD")
        {
            errors.Add("currency_not_supported");
        }

        var reference = OptionalString(body, "reference", "reference_invalid", errors);
        if (reference is { Length: > 50 })
        {
            errors.Add("reference_invalid");
        }

        var description = OptionalString(body, "description", "description_invalid", errors);
        if (description is { Length: > 100 })
        {
            errors.Add("description_invalid");
        }

        var success = OptionalString(body, "success_url", "success_url_invalid", errors);
        if (success is not null && !IsUrl(success))
        {
            errors.Add("success_url_invalid");
        }

        var failure = OptionalString(body, "failure_url", "failure_url_invalid", errors);
        if (failure is not null && !IsUrl(failure))
        {
            errors.Add("failure_url_invalid");
        }

        var metadata = Metadata(body, errors);
        var (customerId, email, name) = Customer(body, errors);
        var source = Source(body, errors);

        return errors.Count > 0 || source is null
            ? (null, errors)
            : (new ValidKnetRequest(amount, currency!, reference, description, success, failure, source, metadata,
                customerId, email, name, channel), errors);
    }

    private static KnetSource? Source(JsonElement body, List<string> errors)
    {
        if (!body.TryGetProperty("source", out var source) || source.ValueKind == JsonValueKind.Null)
        {
            errors.Add("payment_source_required");
            return null;
        }

        if (source.ValueKind != JsonValueKind.Object)
        {
            errors.Add("payment_source_invalid");
            return null;
        }

        var type = OptionalString(source, "type", "source_type_invalid", errors);
        if (type is null && !errors.Contains("source_type_invalid"))
        {
            errors.Add("source_type_required");
        }
        else if (type is not null && type != "knet")
        {
            errors.Add("source_type_invalid");
        }

        var language = OptionalString(source, "language", "source_language_invalid", errors);
        if (language is null && !errors.Contains("source_language_invalid"))
        {
            errors.Add("source_language_required");
        }
        else if (language is not null && language is not ("ar" or "en"))
        {
            errors.Add("source_language_invalid");
        }

        var udf = new string?[5];
        for (var i = 0; i < udf.Length; i++)
        {
            var code = $"source_user_defined_field{i + 1}_invalid";
            udf[i] = OptionalString(source, $"user_defined_field{i + 1}", code, errors);
            if (udf[i] is { } value && (value.Length > 255 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c == ' ')))
            {
                errors.Add(code);
            }
        }

        var cardToken = OptionalString(source, "card_token", "source_card_token_invalid", errors);
        if (cardToken is not null)
        {
            if (cardToken.Length != 8 || !cardToken.All(char.IsAsciiDigit))
            {
                errors.Add("source_card_token_invalid");
            }

            if (!string.IsNullOrEmpty(udf[2]))
            {
                errors.Add("source_user_defined_field3_not_allowed");
            }
        }

        var ptlf = OptionalString(source, "ptlf", "source_ptlf_invalid", errors);
        if (ptlf is not null)
        {
            if (ptlf.Length is 0 or > 45 || !ptlf.All(char.IsAsciiLetterOrDigit))
            {
                errors.Add("source_ptlf_invalid");
            }

            if (!string.IsNullOrEmpty(udf[4]))
            {
                errors.Add("source_user_defined_field5_not_allowed");
            }
        }

        return language is null ? null : new KnetSource
        {
            Language = language,
            UserDefinedField1 = udf[0],
            UserDefinedField2 = udf[1],
            UserDefinedField3 = udf[2],
            UserDefinedField4 = udf[3],
            UserDefinedField5 = udf[4],
            CardToken = cardToken,
            Ptlf = ptlf,
        };
    }

    private static JsonObject? Metadata(JsonElement body, List<string> errors)
    {
        if (!body.TryGetProperty("metadata", out var metadata) || metadata.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (metadata.ValueKind != JsonValueKind.Object)
        {
            errors.Add("metadata_invalid");
            return null;
        }

        var fields = metadata.EnumerateObject().ToList();
        var primitive = fields.All(f => f.Value.ValueKind switch
        {
            JsonValueKind.String => f.Value.GetString()!.Length <= 255,
            JsonValueKind.Number => f.Value.GetRawText().Length <= 255,
            JsonValueKind.True or JsonValueKind.False => true,
            _ => false,
        });
        if (fields.Count > 20 || !primitive)
        {
            errors.Add("metadata_invalid");
            return null;
        }

        return JsonNode.Parse(metadata.GetRawText())!.AsObject();
    }

    private static (string? Id, string? Email, string? Name) Customer(JsonElement body, List<string> errors)
    {
        if (!body.TryGetProperty("customer", out var customer) || customer.ValueKind == JsonValueKind.Null)
        {
            return (null, null, null);
        }

        if (customer.ValueKind != JsonValueKind.Object)
        {
            errors.Add("customer_invalid");
            return (null, null, null);
        }

        var id = OptionalString(customer, "id", "customer_id_invalid", errors);
        if (id is not null && !IsId(id, "cus"))
        {
            errors.Add("customer_id_invalid");
        }

        var email = OptionalString(customer, "email", "customer_email_invalid", errors);
        if (email is not null && (email.Length > 255 || email.IndexOf('@', StringComparison.Ordinal) <= 0 || email.EndsWith('@')))
        {
            errors.Add("customer_email_invalid");
        }

        var name = OptionalString(customer, "name", "customer_name_invalid", errors);
        if (name is { Length: > 255 })
        {
            errors.Add("customer_name_invalid");
        }

        return (id, email, name);
    }

    /// <summary>A string field, null when absent or null; a field of another JSON type adds <paramref name="invalid"/>.</summary>
    private static string? OptionalString(JsonElement parent, string name, string invalid, List<string> errors)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(invalid);
            return null;
        }

        return value.GetString();
    }

    public static bool IsId(string value, string prefix) =>
        value.Length == prefix.Length + 27 && value.StartsWith(prefix + "_", StringComparison.Ordinal)
        && value[(prefix.Length + 1)..].All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    private static bool IsUrl(string value) =>
        value.Length <= 255 && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && !string.IsNullOrEmpty(uri.Host);
}
