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
/// In front of every Checkout.com route: the secret key (401 otherwise), then the injected API faults — a slow
/// answer, an answer refused unprocessed (503), an answer lost after processing (connection aborted).
/// </summary>
public sealed class ApiGuards(IOptionsMonitor<SandboxOptions> options, FaultState faults, TimeProvider time) : IEndpointFilter
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
        var fault = faults.Current;
        if (fault.ApiDelay > TimeSpan.Zero)
        {
            await Task.Delay(fault.ApiDelay, time, http.RequestAborted);
        }

        if (faults.TakeRejection())
        {
            return CheckoutJson.Empty(http, StatusCodes.Status503ServiceUnavailable);
        }

        var result = await next(context);
        if (faults.TakeLostResponse())
        {
            http.Abort();
            return Results.Empty;
        }

        return result;
    }

    public static Platform PlatformOf(HttpContext context) =>
        context?.Items[PlatformItem] as Platform? ?? Platform.Default;
}
