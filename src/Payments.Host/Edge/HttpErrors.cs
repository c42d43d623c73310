using Microsoft.AspNetCore.Diagnostics;
using Payments.Host.EventStore;
using Payments.Host.Payments;

namespace Payments.Host.Edge;

/// <summary>
/// Every error answer is ProblemDetails with a stable <c>code</c>, including those no endpoint of ours writes
/// (docs/architecture.md, "Hostile input"): routing's 404, 405 and 415 and Kestrel's 413 and 408 get one, a database
/// that is away for a moment is 503 with Retry-After, and anything else is a 500 that says nothing about our code.
/// </summary>
public sealed partial class HttpErrors(ILogger<HttpErrors> logger) : IExceptionHandler
{
    /// <summary>Seconds a client should wait after a 503: Npgsql reconnects within this when PostgreSQL is back.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>The code of an answer that has none of its own, by status.</summary>
    public static string Code(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "request_malformed",
        StatusCodes.Status401Unauthorized => "unauthorized",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status404NotFound => "not_found",
        StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
        StatusCodes.Status406NotAcceptable => "not_acceptable",
        StatusCodes.Status408RequestTimeout => "request_timeout",
        StatusCodes.Status413PayloadTooLarge => "request_too_large",
        StatusCodes.Status415UnsupportedMediaType => "unsupported_media_type",
        StatusCodes.Status429TooManyRequests => "rate_limited",
        StatusCodes.Status503ServiceUnavailable => "service_unavailable",
        >= 500 => "internal_error",
        _ => "request_refused",
    };

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var request = httpContext.Request;
        int status;
        string title;
        if (exception is BadHttpRequestException bad)
        {
            // The client's doing (a body over the limit, or slower than Kestrel's minimum data rate), not ours.
            (status, title) = (bad.StatusCode, bad.StatusCode switch
            {
                StatusCodes.Status413PayloadTooLarge => $"The body is larger than {StrictJson.MaxBodyBytes} bytes",
                StatusCodes.Status408RequestTimeout => "The body arrived too slowly",
                _ => "The request is not valid HTTP",
            });
            ClientFault(logger, request.Method, request.Path, status, bad.Message);
        }
        else if (DatabaseFaults.IsTransient(exception))
        {
            (status, title) = (StatusCodes.Status503ServiceUnavailable, "The service is briefly unavailable");
            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            DatabaseAway(logger, exception, request.Method, request.Path);
        }
        else
        {
            // No exception text in the body: it can hold SQL, paths or data. The traceId ties the answer to this log.
            (status, title) = (StatusCodes.Status500InternalServerError, "An unexpected error occurred");
            Unhandled(logger, exception, request.Method, request.Path);
        }

        await Problems.Of(status, Code(status), title).ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} refused with {Status}: {Reason}")]
    private static partial void ClientFault(ILogger logger, string method, string path, int status, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the database is unavailable")]
    private static partial void DatabaseAway(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method} {Path} failed")]
    private static partial void Unhandled(ILogger logger, Exception exception, string method, string path);
}

public static class HttpErrorsSetup
{
    public static WebApplicationBuilder AddHttpErrors(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Without a limit of our own, Kestrel reads 30 MB before a 413; a request body of ours is a few KiB.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = StrictJson.MaxBodyBytes);
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.TryAdd("code", HttpErrors.Code(context.ProblemDetails.Status ?? context.HttpContext.Response.StatusCode)));
        builder.Services.AddExceptionHandler<HttpErrors>();
        return builder;
    }

    /// <summary>First in the pipeline, so it sees every failure and every empty error answer.</summary>
    public static WebApplication UseHttpErrors(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
