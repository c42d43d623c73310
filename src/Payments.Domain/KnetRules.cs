namespace Payments.Domain;

/// <summary>
/// The KNET request rules of Checkout.com (shared/reference/checkout-knet-api.md §1), checked all at once so a
/// merchant sees every broken field in one answer.
/// </summary>
public static class KnetRules
{
    public const int UserDefinedFieldMaxLength = 255;
    public const int PtlfMaxLength = 45;
    public const int ReferenceMaxLength = 50;
    public const int DescriptionMaxLength = 100;
    public const int UrlMaxLength = 255;
    public const int MetadataMaxEntries = 20;
    public const int MetadataKeyMaxLength = 40;
    public const int MetadataValueMaxLength = 255;
    public const int CustomerFieldMaxLength = 255;

    public static IReadOnlyList<FieldError> Validate(KnetPaymentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        void Fail(string field, string code, string message) => errors.Add(new FieldError(field, code, message));

        if (!Kwd.IsValidAmount(request.Amount))
        {
            Fail("amount", "amount_invalid",
                "Amount must be in fils, greater than zero, at most nine digits, with a last digit of 0.");
        }

        if (string.IsNullOrWhiteSpace(request.Currency))
        {
            Fail("currency", "currency_required", "Currency is required and must be KWD.");
        }
        else if (request.Currency != Kwd.Currency)
        {
            Fail("currency", "currency_not_supported", "KNET accepts KWD only.");
        }

        if (string.IsNullOrEmpty(request.Language))
        {
            Fail("language", "source_language_required", "Language is required: 'ar' or 'en'.");
        }
        else if (request.Language is not ("ar" or "en"))
        {
            Fail("language", "source_language_invalid", "Language must be 'ar' or 'en'.");
        }

        var udfs = new[]
        {
            request.UserDefinedField1, request.UserDefinedField2, request.UserDefinedField3,
            request.UserDefinedField4, request.UserDefinedField5,
        };
        for (var i = 0; i < udfs.Length; i++)
        {
            if (udfs[i] is { } udf && !IsUserDefinedField(udf))
            {
                Fail($"userDefinedField{i + 1}", $"source_user_defined_field{i + 1}_invalid",
                    $"At most {UserDefinedFieldMaxLength} characters, letters, digits and spaces only.");
            }
        }

        if (request.CardToken is not null)
        {
            if (!IsCardToken(request.CardToken))
            {
                Fail("cardToken", "source_card_token_invalid", "The KFast card token must be exactly 8 digits.");
            }

            if (!string.IsNullOrEmpty(request.UserDefinedField3))
            {
                Fail("userDefinedField3", "source_user_defined_field3_not_allowed",
                    "Leave user-defined field 3 out when a card token is sent: KNET carries the token in it.");
            }
        }

        if (request.Ptlf is not null)
        {
            if (request.Ptlf.Length is 0 or > PtlfMaxLength || !request.Ptlf.All(char.IsAsciiLetterOrDigit))
            {
                Fail("ptlf", "source_ptlf_invalid", $"PTLF must be 1 to {PtlfMaxLength} letters or digits.");
            }

            if (!string.IsNullOrEmpty(request.UserDefinedField5))
            {
                Fail("userDefinedField5", "source_user_defined_field5_not_allowed",
                    "Leave user-defined field 5 out when a PTLF is sent: KNET carries the PTLF in it.");
            }
        }

        if (request.Reference is { Length: > ReferenceMaxLength })
        {
            Fail("reference", "reference_invalid", $"Reference must be at most {ReferenceMaxLength} characters.");
        }

        if (request.Description is { Length: > DescriptionMaxLength })
        {
            Fail("description", "description_invalid", $"Description must be at most {DescriptionMaxLength} characters.");
        }

        if (request.SuccessUrl is not null && !IsRedirectUrl(request.SuccessUrl))
        {
            Fail("successUrl", "success_url_invalid", $"An absolute http(s) URL of at most {UrlMaxLength} characters.");
        }

        if (request.FailureUrl is not null && !IsRedirectUrl(request.FailureUrl))
        {
            Fail("failureUrl", "failure_url_invalid", $"An absolute http(s) URL of at most {UrlMaxLength} characters.");
        }

        if (request.CustomerEmail is not null && !IsEmail(request.CustomerEmail))
        {
            Fail("customer.email", "customer_email_invalid", "A valid e-mail address of at most 255 characters.");
        }

        if (request.CustomerName is { Length: > CustomerFieldMaxLength })
        {
            Fail("customer.name", "customer_name_invalid", $"At most {CustomerFieldMaxLength} characters.");
        }

        ValidateMetadata(request.Metadata, Fail);
        return errors;
    }

    /// <summary>
    /// The rules of a refund request that do not depend on the payment: a KWD amount in fils when one is given (none
    /// = the whole refundable balance), a reference of at most 50 characters. The balance is the decider's to check.
    /// </summary>
    public static IReadOnlyList<FieldError> ValidateRefund(long? amount, string? reference)
    {
        var errors = new List<FieldError>();
        if (amount is { } given && !Kwd.IsValidAmount(given))
        {
            errors.Add(new FieldError("amount", PaymentDecider.RefundAmountInvalid,
                "A refund amount is in fils, greater than zero, at most nine digits, with a last digit of 0."));
        }

        if (reference is { Length: > ReferenceMaxLength })
        {
            errors.Add(new FieldError("reference", PaymentDecider.RefundReferenceInvalid,
                $"A refund reference is at most {ReferenceMaxLength} characters."));
        }

        return errors;
    }

    /// <summary>Checkout.com's metadata: one level of at most 20 primitives, keys of at most 40 characters.</summary>
    private static void ValidateMetadata(
        IReadOnlyDictionary<string, MetadataValue>? metadata, Action<string, string, string> fail)
    {
        if (metadata is null)
        {
            return;
        }

        if (metadata.Count > MetadataMaxEntries)
        {
            fail("metadata", "metadata_invalid", $"At most {MetadataMaxEntries} metadata fields.");
        }

        // One error under "metadata", not one per "metadata.{key}": a 100,000-character key is not echoed back.
        if (metadata.Keys.Any(key => string.IsNullOrWhiteSpace(key) || key.Length > MetadataKeyMaxLength))
        {
            fail("metadata", "metadata_key_invalid", $"Metadata keys are 1 to {MetadataKeyMaxLength} characters, not all spaces.");
        }

        foreach (var (key, value) in metadata.Where(m => m.Key.Length <= MetadataKeyMaxLength).OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (value.Kind == MetadataKind.Unsupported || value.Text is null || value.Text.Length > MetadataValueMaxLength)
            {
                fail($"metadata.{key}", "metadata_value_invalid",
                    $"A string, number or boolean of at most {MetadataValueMaxLength} characters.");
            }
        }
    }

    public static bool IsUserDefinedField(string value) =>
        value.Length <= UserDefinedFieldMaxLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c == ' ');

    public static bool IsCardToken(string value) => value.Length == 8 && value.All(char.IsAsciiDigit);

    public static bool IsRedirectUrl(string value) =>
        value.Length <= UrlMaxLength
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host);

    private static bool IsEmail(string value)
    {
        var at = value.IndexOf('@', StringComparison.Ordinal);
        return value.Length <= CustomerFieldMaxLength && at > 0 && at == value.LastIndexOf('@')
            && at < value.Length - 1 && !value.Any(char.IsWhiteSpace);
    }
}
