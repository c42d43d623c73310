using System.Text.Json;
using System.Text.Json.Serialization;
using Payments.Domain;
using Payments.Host.Payments;

namespace Payments.Host.Edge;

/// <summary>A request body with its one validator: every field error at once, the edge text rule included.</summary>
public interface IValidatedRequest
{
    /// <summary>The title of the 422 <c>request_invalid</c> answer.</summary>
    static abstract string InvalidTitle { get; }

    IReadOnlyList<FieldError> Validate();
}

/// <summary>
/// The one way a request body becomes a typed request (docs/architecture.md, "Hostile input"): System.Text.Json with
/// options that refuse what a hand-written reader let through. A body it cannot bind is 400 <c>request_malformed</c>
/// naming the JSON path; the request's own validator then reports every field error at once (422).
/// </summary>
/// <remarks>
/// Not Wolverine.Http's body binding: its <c>HttpHandler.ReadJsonAsync</c> catches every exception, so Kestrel's 413
/// (body too large) and 408 (body too slow) became 400 and each hostile body was logged as an Error; a JSON
/// <c>null</c> body reached the endpoint as null; its ProblemDetails carry no <c>code</c>; and its options are shared
/// with every response it writes.
/// </remarks>
public static class StrictJson
{
    /// <summary>A payment body is a few KiB; the webhook endpoint keeps its own, equal, limit.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        // Last-wins duplicates let a proxy and this service read two different requests from one body.
        AllowDuplicateProperties = false,

        // Web defaults read "1000" as 1000; an amount is a JSON number or the request is malformed.
        NumberHandling = JsonNumberHandling.Strict,

        // A misspelt optional field would otherwise be dropped in silence: {"amonut": 500} refunded everything.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        PropertyNameCaseInsensitive = false,

        // Our deepest field is metadata.key (depth 2); anything far deeper is an attack on the parser, not a request.
        MaxDepth = 8,
    };

    /// <summary>
    /// The body as <typeparamref name="T"/> with no field error, or the 400 or 422 to answer. Invalid UTF-8, lone surrogate escapes in
    /// property names, raw control characters, wrong types, duplicate keys, trailing data, an empty body and JSON
    /// <c>null</c> are all malformed. Kestrel's own failures (413, 408) propagate to <see cref="HttpErrors"/>.
    /// </summary>
    public static async Task<(T? Body, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken cancellation)
        where T : class, IValidatedRequest
    {
        ArgumentNullException.ThrowIfNull(request);
        T? body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellation);
        }
        catch (JsonException e)
        {
            return (null, Problems.Malformed($"{e.Path ?? "$"}: {Reason(e)}"));
        }

        if (body is null)
        {
            return (null, Problems.Malformed("$: The body is JSON null; send a JSON object."));
        }

        var errors = body.Validate();
        return errors.Count == 0
            ? (body, null)
            : (null, Problems.Of(StatusCodes.Status422UnprocessableEntity, PaymentDecider.RequestInvalid, T.InvalidTitle, errors: errors));
    }

    /// <summary>STJ's reason without its position suffix, and without .NET type names a client cannot act on.</summary>
    private static string Reason(JsonException e) =>
        e.Message.StartsWith("The JSON value could not be converted to", StringComparison.Ordinal)
            ? "The value has the wrong JSON type, or its text is not valid UTF-8 (a lone surrogate has none)."
            : e.Message.Split(" Path: ", 2)[0];
}
