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

    /// <summary>Value equality, metadata included: the same request is the same whatever dictionary holds it.</summary>
    public bool Equals(KnetPaymentRequest? other) =>
        other is not null
        && Amount == other.Amount && Currency == other.Currency && Reference == other.Reference
        && Language == other.Language && UserDefinedField1 == other.UserDefinedField1
        && UserDefinedField2 == other.UserDefinedField2 && UserDefinedField3 == other.UserDefinedField3
        && UserDefinedField4 == other.UserDefinedField4 && UserDefinedField5 == other.UserDefinedField5
        && CardToken == other.CardToken && Ptlf == other.Ptlf && Description == other.Description
        && SuccessUrl == other.SuccessUrl && FailureUrl == other.FailureUrl
        && CustomerEmail == other.CustomerEmail && CustomerName == other.CustomerName
        && Metadata.Count == other.Metadata.Count
        && Metadata.All(kv => other.Metadata.TryGetValue(kv.Key, out var value) && value == kv.Value);

    public override int GetHashCode() => HashCode.Combine(Amount, Currency, Reference, Language, Metadata.Count);
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
