using Payments.Domain;

namespace Payments.Host.Payments;

/// <summary>Every error answer: ProblemDetails with a stable <c>code</c>, and the field errors when there are any.</summary>
public static class Problems
{
    public static IResult Of(int status, string code, string title, string? detail = null,
        IReadOnlyList<FieldError>? errors = null, IReadOnlyList<string>? checkoutErrorCodes = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = code };
        if (errors is { Count: > 0 })
        {
            extensions["errors"] = errors.Select(e => new { field = e.Field, code = e.Code, message = e.Message }).ToList();
        }

        if (checkoutErrorCodes is not null)
        {
            extensions["checkoutErrorCodes"] = checkoutErrorCodes;
        }

        return Results.Problem(statusCode: status, title: title, detail: detail, extensions: extensions);
    }

    public static IResult NotFound(Guid id) => NotFound(id.ToString());

    /// <summary>Also the answer when the id is not even a payment id: nothing a client sends is a 500.</summary>
    public static IResult NotFound(string id) =>
        Of(StatusCodes.Status404NotFound, "payment_not_found", "Payment not found", $"No payment {id}.");

    public static IResult Malformed(string detail) =>
        Of(StatusCodes.Status400BadRequest, "request_malformed", "The body is not the expected JSON", detail);
}
