using Microsoft.Extensions.Options;
using Payments.Host.Configuration;

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
/// the sandbox's own (src/Payments.Sandbox) and are refused in Production, as the development API keys are. The timing
/// rules are those of the resilience pipeline (<see cref="CheckoutSetup"/>), stated here in the settings' own terms.
/// </summary>
public sealed class CheckoutOptionsValidation(IHostEnvironment environment) : IValidateOptions<CheckoutOptions>
{
    /// <summary>The Checkout.com sandbox's secret key and webhook signature key (appsettings.Development.json).</summary>
    public static readonly string[] DevelopmentKeys = ["sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e", "whsec_sandbox_signature_key"];

    /// <summary>The circuit breaker samples over twice the attempt timeout, which Polly wants between 0.5 s and a day.</summary>
    public static readonly TimeSpan ShortestAttempt = TimeSpan.FromMilliseconds(250);

    public static readonly TimeSpan LongestAttempt = TimeSpan.FromHours(12);

    public ValidateOptionsResult Validate(string? name, CheckoutOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = CheckoutOptions.Section;
        var failures = new ValidateOptionsResultBuilder();
        failures.RequireValue($"{S}:{nameof(options.SecretKey)}", options.SecretKey, "Checkout.com would refuse every call");
        failures.RequireValue($"{S}:{nameof(options.WebhookSignatureKey)}", options.WebhookSignatureKey, "every webhook would be answered 401");
        failures.RequireHttpUrl($"{S}:{nameof(options.BaseUrl)}", options.BaseUrl, "no call could reach Checkout.com");
        if (options.AttemptTimeout < ShortestAttempt || options.AttemptTimeout > LongestAttempt)
        {
            failures.Fail($"{S}:{nameof(options.AttemptTimeout)}",
                $"is {SettingRules.Show(options.AttemptTimeout)}, not between {SettingRules.Show(ShortestAttempt)} and {SettingRules.Show(LongestAttempt)}",
                "the resilience pipeline's circuit breaker samples over twice this time, from 0.5 s to a day");
        }

        if (options.TotalTimeout <= options.AttemptTimeout)
        {
            failures.Fail($"{S}:{nameof(options.TotalTimeout)}",
                $"is {SettingRules.Show(options.TotalTimeout)}, not longer than {S}:{nameof(options.AttemptTimeout)} ({SettingRules.Show(options.AttemptTimeout)})",
                "a call would have no time left to be retried");
        }

        failures.RequireAtLeastOne($"{S}:{nameof(options.MaxRetryAttempts)}", options.MaxRetryAttempts,
            "a call whose answer was lost must be retried with its idempotency key");

        if (environment.IsProduction())
        {
            foreach (var (key, value) in new[] { (nameof(options.SecretKey), options.SecretKey), (nameof(options.WebhookSignatureKey), options.WebhookSignatureKey) })
            {
                if (DevelopmentKeys.Contains(value))
                {
                    failures.Fail($"{S}:{key}", "is the sandbox's development key, refused in Production", "configure the real one");
                }
            }
        }

        return failures.Build();
    }
}
