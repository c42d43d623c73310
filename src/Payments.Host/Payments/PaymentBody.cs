using System.Globalization;
using System.Text.Json;
using Payments.Domain;

namespace Payments.Host.Payments;

/// <summary>
/// The merchant's <c>POST /payments</c> body (camelCase) read field by field, so a wrong JSON type is a field error
/// with a stable code like any broken rule, never a 500.
/// </summary>
public static class PaymentBody
{
    public static (KnetPaymentRequest Request, List<FieldError> Errors) Read(JsonElement body)
    {
        var errors = new List<FieldError>();
        string? Text(JsonElement parent, string name, string field, string code)
        {
            if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (value.ValueKind == JsonValueKind.String)
            {
                return value.GetString();
            }

            errors.Add(new FieldError(field, code, "Must be a string."));
            return null;
        }

        long amount = 0;
        if (!body.TryGetProperty("amount", out var a) || a.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new FieldError("amount", "amount_required", "Amount in fils is required."));
        }
        else if (a.ValueKind != JsonValueKind.Number || !a.TryGetInt64(out amount))
        {
            errors.Add(new FieldError("amount", "amount_invalid", "Amount must be a whole number of fils."));
        }

        var customer = body.TryGetProperty("customer", out var c) && c.ValueKind == JsonValueKind.Object ? c : default;
        if (body.TryGetProperty("customer", out var cc) && cc.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
        {
            errors.Add(new FieldError("customer", "customer_invalid", "Customer must be an object."));
        }

        var request = new KnetPaymentRequest
        {
            Amount = amount,
            Currency = Text(body, "currency", "currency", "currency_required") ?? "",
            Reference = Text(body, "reference", "reference", "reference_invalid"),
            Language = Text(body, "language", "language", "source_language_invalid"),
            UserDefinedField1 = Text(body, "userDefinedField1", "userDefinedField1", "source_user_defined_field1_invalid"),
            UserDefinedField2 = Text(body, "userDefinedField2", "userDefinedField2", "source_user_defined_field2_invalid"),
            UserDefinedField3 = Text(body, "userDefinedField3", "userDefinedField3", "source_user_defined_field3_invalid"),
            UserDefinedField4 = Text(body, "userDefinedField4", "userDefinedField4", "source_user_defined_field4_invalid"),
            UserDefinedField5 = Text(body, "userDefinedField5", "userDefinedField5", "source_user_defined_field5_invalid"),
            CardToken = Text(body, "cardToken", "cardToken", "source_card_token_invalid"),
            Ptlf = Text(body, "ptlf", "ptlf", "source_ptlf_invalid"),
            Description = Text(body, "description", "description", "description_invalid"),
            SuccessUrl = Text(body, "successUrl", "successUrl", "success_url_invalid"),
            FailureUrl = Text(body, "failureUrl", "failureUrl", "failure_url_invalid"),
            CustomerEmail = customer.ValueKind == JsonValueKind.Object ? Text(customer, "email", "customer.email", "customer_email_invalid") : null,
            CustomerName = customer.ValueKind == JsonValueKind.Object ? Text(customer, "name", "customer.name", "customer_name_invalid") : null,
            Metadata = Metadata(body, errors),
        };
        return (request, errors);
    }

    private static Dictionary<string, MetadataValue> Metadata(JsonElement body, List<FieldError> errors)
    {
        var metadata = new Dictionary<string, MetadataValue>(StringComparer.Ordinal);
        if (!body.TryGetProperty("metadata", out var m) || m.ValueKind == JsonValueKind.Null)
        {
            return metadata;
        }

        if (m.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError("metadata", "metadata_invalid", "Metadata must be an object of primitive values."));
            return metadata;
        }

        foreach (var field in m.EnumerateObject())
        {
            metadata[field.Name] = field.Value.ValueKind switch
            {
                JsonValueKind.String => MetadataValue.Of(field.Value.GetString()!),
                JsonValueKind.Number => MetadataValue.OfNumber(field.Value.GetRawText()),
                JsonValueKind.True => MetadataValue.Of(true),
                JsonValueKind.False => MetadataValue.Of(false),
                _ => MetadataValue.Unsupported(field.Value.ValueKind.ToString().ToLower(CultureInfo.InvariantCulture)),
            };
        }

        return metadata;
    }
}
