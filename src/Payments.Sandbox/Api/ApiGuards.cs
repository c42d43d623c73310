using Microsoft.Extensions.Options;

namespace Payments.Sandbox.Api;

public enum Platform
{
    /// <summary>The current platform: <c>Authorization: Bearer sk_sbox_…</c>, <c>processing_channel_id</c> required.</summary>
    Default,

    /// <summary>The older platform: the raw key in <c>Authorization</c>.</summary>
    Previous,
}

/// <summary>
/// In front of every Checkout.com route, in order: the secret key (401); an answer refused unprocessed (503 fault);
/// the idempotency key of a POST, taken before processing; a slow Checkout.com (delay fault); the endpoint; an answer
/// lost after processing (fault: the connection is aborted, the idempotent result is kept).
/// </summary>
public sealed class ApiGuards(
    IOptionsMonitor<SandboxOptions> options, FaultState faults, IdempotencyStore idempotency, TimeProvider time) : IEndpointFilter
{
    public const string PlatformItem = "sandbox.platform";

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var http = context.HttpContext;
        var key = options.CurrentValue.SecretKey;
        var header = http.Request.Headers.Authorization.ToString();
        Platform? platform = header == $"Bearer {key}" ? Platform.Default : header == key ? Platform.Previous : null;
        if (platform is null)
        {
            return CheckoutJson.Empty(http, StatusCodes.Status401Unauthorized);
        }

        http.Items[PlatformItem] = platform;
        if (faults.TakeRejection())
        {
            return CheckoutJson.Empty(http, StatusCodes.Status503ServiceUnavailable);
        }

        async Task<object?> Process()
        {
            var delay = faults.Current.ApiDelay;
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, time, http.RequestAborted);
            }

            return await next(context);
        }

        var idempotencyKey = http.Request.Headers[CheckoutJson.IdempotencyKeyHeader].ToString();
        object? result;
        if (HttpMethods.IsPost(http.Request.Method) && !string.IsNullOrWhiteSpace(idempotencyKey))
        {
            var (outcome, processed) = await idempotency.RunAsync($"POST {http.Request.Path}", idempotencyKey, Process);
            if (outcome == IdempotencyOutcome.InProgress)
            {
                return CheckoutJson.Error(http, StatusCodes.Status429TooManyRequests, "too_many_requests", "duplicate_request_in_progress");
            }

            result = processed;
        }
        else
        {
            result = await Process();
        }

        if (faults.TakeLostResponse())
        {
            http.Abort();
            return Results.Empty;
        }

        http.Response.Headers[CheckoutJson.RequestIdHeader] = CheckoutJson.RequestId(http);
        http.Response.Headers[CheckoutJson.VersionHeader] = "1.0";
        return result;
    }

    public static Platform PlatformOf(HttpContext context) =>
        context?.Items[PlatformItem] as Platform? ?? Platform.Default;
}
