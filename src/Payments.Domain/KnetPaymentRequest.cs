namespace Payments.Domain;

/// <summary>
/// What a merchant asks for: a KNET payment through Checkout.com. Carries no card data: KNET collects the card on its
/// own page; <see cref="CardToken"/> is the merchant's 8-digit KFast customer token, not a card number.
/// </summary>
public sealed record KnetPaymentRequest
{
    public long Amount { get; init; }
    public string Currency { get; init; } = Kwd.Currency;
    public string? Reference { get; init; }
    public string? Language { get; init; }
    public string? UserDefinedField1 { get; init; }
    public string? UserDefinedField2 { get; init; }
    public string? UserDefinedField3 { get; init; }
    public string? UserDefinedField4 { get; init; }
    public string? UserDefinedField5 { get; init; }
    public string? CardToken { get; init; }
    public string? Ptlf { get; init; }
    public string? Description { get; init; }
    public string? SuccessUrl { get; init; }
    public string? FailureUrl { get; init; }
    public string? CustomerEmail { get; init; }
    public string? CustomerName { get; init; }
    public IReadOnlyDictionary<string, MetadataValue> Metadata { get; init; } = new Dictionary<string, MetadataValue>();
}

public enum MetadataKind
{
    Text,
    Number,
    Boolean,

    /// <summary>The edge met something that is not a primitive (an object, an array, null); always rejected.</summary>
    Unsupported,
}

/// <summary>
/// One metadata value. Checkout.com accepts one level of primitives (string, number, boolean) and echoes them back
/// in webhooks, so the kind is kept to send each value as it came.
/// </summary>
public readonly record struct MetadataValue(MetadataKind Kind, string Text)
{
    public static MetadataValue Of(string text) => new(MetadataKind.Text, text);
    public static MetadataValue OfNumber(string invariantText) => new(MetadataKind.Number, invariantText);
    public static MetadataValue Of(bool value) => new(MetadataKind.Boolean, value ? "true" : "false");
    public static MetadataValue Unsupported(string description) => new(MetadataKind.Unsupported, description);
}
