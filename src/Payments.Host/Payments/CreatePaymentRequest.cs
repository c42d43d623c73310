using System.Buffers;
using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Payments.Domain;
using Payments.Host.Edge;

namespace Payments.Host.Payments;

/// <summary>
/// The body of <c>POST /payments</c> as bound by <see cref="StrictJson"/>, and as /openapi/v1.json documents it: one
/// shape. Its validator maps it to <see cref="KnetPaymentRequest"/> and reports every field error at once.
/// </summary>
public sealed record CreatePaymentRequest : IValidatedRequest
{
    // [Required] is for /openapi/v1.json only; a missing field is a field error of Validate, never a binding failure.

    /// <summary>Fils: &gt; 0, at most nine digits, last digit 0 (1500 = 1.500 KWD).</summary>
    [Required]
    public long? Amount { get; init; }

    /// <summary>KWD.</summary>
    [Required]
    public string? Currency { get; init; }

    /// <summary>ar or en.</summary>
    [Required]
    public string? Language { get; init; }

    public string? Reference { get; init; }
    public string? UserDefinedField1 { get; init; }
    public string? UserDefinedField2 { get; init; }
    public string? UserDefinedField3 { get; init; }
    public string? UserDefinedField4 { get; init; }
    public string? UserDefinedField5 { get; init; }

    /// <summary>The merchant's 8-digit KFast customer token (not a card number).</summary>
    public string? CardToken { get; init; }

    public string? Ptlf { get; init; }
    public string? Description { get; init; }
    public string? SuccessUrl { get; init; }
    public string? FailureUrl { get; init; }
    public CustomerRequest? Customer { get; init; }

    /// <summary>At most 20 fields; keys of 1 to 40 characters; string, number or boolean values of at most 255 characters.</summary>
    public Dictionary<string, MetadataField>? Metadata { get; init; }

    public static string InvalidTitle => "The payment request breaks KNET's rules";

    public KnetPaymentRequest ToKnetRequest() => new()
    {
        Amount = Amount ?? 0,
        Currency = Currency ?? "",
        Reference = Reference,
        Language = Language,
        UserDefinedField1 = UserDefinedField1,
        UserDefinedField2 = UserDefinedField2,
        UserDefinedField3 = UserDefinedField3,
        UserDefinedField4 = UserDefinedField4,
        UserDefinedField5 = UserDefinedField5,
        CardToken = CardToken,
        Ptlf = Ptlf,
        Description = Description,
        SuccessUrl = SuccessUrl,
        FailureUrl = FailureUrl,
        CustomerEmail = Customer?.Email,
        CustomerName = Customer?.Name,
        Metadata = Metadata?.ToDictionary(m => m.Key, m => m.Value.Value, StringComparer.Ordinal) ?? [],
    };

    /// <summary>
    /// The edge text rule on every string (PostgreSQL cannot store U+0000, UTF-8 has no lone surrogate), then KNET's
    /// rules for the fields that passed it. A metadata key is reported under <c>metadata</c>: never echo it back.
    /// </summary>
    public IReadOnlyList<FieldError> Validate()
    {
        var request = ToKnetRequest();
        List<FieldError?> errors =
        [
            Amount is null ? new FieldError("amount", "amount_required", "Amount in fils is required.") : null,
            EdgeText.Check("currency", Currency),
            EdgeText.Check("language", Language),
            EdgeText.Check("reference", Reference),
            EdgeText.Check("userDefinedField1", UserDefinedField1),
            EdgeText.Check("userDefinedField2", UserDefinedField2),
            EdgeText.Check("userDefinedField3", UserDefinedField3),
            EdgeText.Check("userDefinedField4", UserDefinedField4),
            EdgeText.Check("userDefinedField5", UserDefinedField5),
            EdgeText.Check("cardToken", CardToken),
            EdgeText.Check("ptlf", Ptlf),
            EdgeText.Check("description", Description),
            EdgeText.Check("successUrl", SuccessUrl),
            EdgeText.Check("failureUrl", FailureUrl),
            EdgeText.Check("customer.email", Customer?.Email),
            EdgeText.Check("customer.name", Customer?.Name),
            .. request.Metadata.Select(m => EdgeText.Check("metadata", m.Key)
                ?? (m.Key.Length > KnetRules.MetadataKeyMaxLength || m.Value.Kind != MetadataKind.Text
                    ? null : EdgeText.Check($"metadata.{m.Key}", m.Value.Text))),
        ];
        return EdgeText.Errors(errors, KnetRules.Validate(request));
    }
}

public sealed record CustomerRequest
{
    public string? Email { get; init; }
    public string? Name { get; init; }
}

/// <summary>
/// One metadata value, read as it came: a string, a number (its JSON text) or a boolean; anything else is kept as
/// unsupported for the 422. Read token by token because a <c>JsonElement</c> holding a lone surrogate escape
/// throws when its string is read, long after binding (a 500); the reader refuses it while binding (a 400).
/// </summary>
[JsonConverter(typeof(MetadataFieldConverter))]
public readonly record struct MetadataField(MetadataValue Value);

public sealed class MetadataFieldConverter : JsonConverter<MetadataField>
{
    public override bool HandleNull => true;

    public override MetadataField Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => new(reader.TokenType switch
    {
        JsonTokenType.String => MetadataValue.Of(reader.GetString()!),
        JsonTokenType.Number => MetadataValue.OfNumber(Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan)),
        JsonTokenType.True or JsonTokenType.False => MetadataValue.Of(reader.GetBoolean()),
        var other => Unsupported(ref reader, other),
    });

    private static MetadataValue Unsupported(ref Utf8JsonReader reader, JsonTokenType token)
    {
        reader.Skip();
        return MetadataValue.Unsupported(token switch
        {
            JsonTokenType.StartObject => "object",
            JsonTokenType.StartArray => "array",
            _ => "null",
        });
    }

    public override void Write(Utf8JsonWriter writer, MetadataField value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        switch (value.Value.Kind)
        {
            case MetadataKind.Text:
                writer.WriteStringValue(value.Value.Text);
                break;
            case MetadataKind.Number:
                writer.WriteRawValue(value.Value.Text);
                break;
            case MetadataKind.Boolean:
                writer.WriteBooleanValue(value.Value.Text == "true");
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }
}
