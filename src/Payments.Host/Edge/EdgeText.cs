using Payments.Domain;

namespace Payments.Host.Edge;

/// <summary>
/// The one rule for text that crosses our edge (body fields, query parameters, webhook strings): no C0 control
/// character (U+0000–U+001F, NUL included: PostgreSQL's text and jsonb cannot hold U+0000) and no unpaired UTF-16
/// surrogate (it has no UTF-8 form). Checked before anything is stored; see docs/architecture.md, "Hostile input".
/// </summary>
public static class EdgeText
{
    public const string ControlCharacter = "text_control_character";
    public const string UnpairedSurrogate = "text_unpaired_surrogate";

    /// <summary>The stable code of the first violation, or null when the text may be stored.</summary>
    public static string? Violation(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c < '\u0020')
            {
                return ControlCharacter;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return UnpairedSurrogate;
            }
        }

        return null;
    }

    /// <summary>The field error for <paramref name="field"/>, or null when its text is acceptable (null text is).</summary>
    public static FieldError? Check(string field, string? text) =>
        text is null || Violation(text) is not { } code
            ? null
            : new FieldError(field, code, code == ControlCharacter
                ? "Control characters (U+0000–U+001F) are not accepted."
                : "Unpaired UTF-16 surrogates are not accepted.");

    /// <summary>
    /// Every field error of a request: those found first (the edge rule, a missing field), then the rule errors of the
    /// other fields (a field with a NUL in it has nothing more useful to say).
    /// </summary>
    public static IReadOnlyList<FieldError> Errors(IEnumerable<FieldError?> first, IEnumerable<FieldError> rules)
    {
        var errors = first.OfType<FieldError>().Distinct().ToList();
        errors.AddRange(rules.Where(rule => errors.TrueForAll(e => e.Field != rule.Field)));
        return errors;
    }
}
