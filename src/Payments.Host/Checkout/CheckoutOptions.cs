using Microsoft.Extensions.Options;

namespace Payments.Host.Checkout;

/// <summary>The section <c>Checkout</c>: where Checkout.com is and how we authenticate to it and it to us.</summary>
public sealed class CheckoutOptions
{
    public const string Section = "Checkout";

    public string BaseUrl { get; set; } = "http://localhost:5090";

    /// <summary>Sent as <c>Authorization: Bearer …</c>; never logged, never returned.</summary>
    public string SecretKey { get; set; } = "";

    public string ProcessingChannelId { get; set; } = "";

    /// <summary>HMAC-SHA256 key that signs the webhooks Checkout.com sends us (<c>Cko-Signature</c>).</summary>
    public string WebhookSignatureKey { get; set; } = "";

    /// <summary>The <c>Authorization</c> value configured on the webhook; checked when set.</summary>
    public string? WebhookAuthorization { get; set; }

    /// <summary>One attempt's limit; the resilience pipeline retries within <see cref="TotalTimeout"/>.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    public int MaxRetryAttempts { get; set; } = 2;
}

/// <summary>
/// Checked when the service starts (ValidateOnStart), so a missing key stops it with the setting's name instead of
/// every call being refused and every webhook answered 401. The development values in appsettings.Development.json are
/// the sandbox's own (src/Payments.Sandbox) and are refused in Production, as the development API keys are.
/// </summary>
internal sealed class CheckoutOptionsValidation(IHostEnvironment environment) : IValidateOptions<CheckoutOptions>
{
    /// <summary>The Checkout.com sandbox's secret key and webhook signature key (appsettings.Development.json).</summary>
    public static readonly string[] DevelopmentKeys = ["sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e", "whsec_sandbox_signature_key"];

    public ValidateOptionsResult Validate(string? name, CheckoutOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = CheckoutOptions.Section;
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.SecretKey))
        {
            failures.Add($"{S}:{nameof(options.SecretKey)} is empty: Checkout.com would refuse every call (environment: {S}__{nameof(options.SecretKey)}).");
        }

        if (string.IsNullOrWhiteSpace(options.WebhookSignatureKey))
        {
            failures.Add($"{S}:{nameof(options.WebhookSignatureKey)} is empty: every webhook would be answered 401 (environment: {S}__{nameof(options.WebhookSignatureKey)}).");
        }

        if (!Uri.TryCreate(options.BaseUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            failures.Add($"{S}:{nameof(options.BaseUrl)} must be an absolute http(s) URL, not '{options.BaseUrl}'.");
        }

        if (environment.IsProduction() && (DevelopmentKeys.Contains(options.SecretKey) || DevelopmentKeys.Contains(options.WebhookSignatureKey)))
        {
            failures.Add($"The development {S} keys are refused in Production: configure the real {S}:{nameof(options.SecretKey)} and {S}:{nameof(options.WebhookSignatureKey)}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
