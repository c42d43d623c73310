using System.Text.Json;
using System.Text.Json.Serialization;

namespace Payments.Sandbox.Api;

/// <summary>Checkout.com's wire conventions: snake_case names, nulls omitted, <c>Cko-Request-Id</c> on every answer.</summary>
public static class CheckoutJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new UtcTimestampConverter() },
    };

    public const string RequestIdHeader = "Cko-Request-Id";
    public const string VersionHeader = "Cko-Version";
    public const string IdempotencyKeyHeader = "Cko-Idempotency-Key";

    public static string RequestId(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(RequestIdHeader, out var existing) && existing is string id)
        {
            return id;
        }

        id = Ids.Random(13).ToUpperInvariant();
        context.Items[RequestIdHeader] = id;
        return id;
    }

    public static IResult Json(HttpContext context, int status, object body)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers[RequestIdHeader] = RequestId(context);
        context.Response.Headers[VersionHeader] = "1.0";
        return Results.Json(body, Options, statusCode: status);
    }

    /// <summary>422 <c>request_invalid</c> with <c>error_codes</c> (also used for 429, as the spec does).</summary>
    public static IResult Invalid(HttpContext context, IEnumerable<string> codes, int status = StatusCodes.Status422UnprocessableEntity) =>
        Json(context, status, new ErrorBody(RequestId(context), "request_invalid", [.. codes]));

    public static IResult Error(HttpContext context, int status, string errorType, params string[] codes) =>
        Json(context, status, new ErrorBody(RequestId(context), errorType, codes.Length == 0 ? null : codes));

    /// <summary>An answer with no body (401, 404), still carrying the request id.</summary>
    public static IResult Empty(HttpContext context, int status)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers[RequestIdHeader] = RequestId(context);
        return Results.StatusCode(status);
    }
}

/// <summary>Timestamps as Checkout.com writes them: ISO-8601 UTC with a <c>Z</c> (<c>2019-05-23T17:04:05.1234567Z</c>).</summary>
public sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture));
    }
}

public sealed record ErrorBody(string RequestId, string ErrorType, string[]? ErrorCodes);

public sealed record Link(string Href);
