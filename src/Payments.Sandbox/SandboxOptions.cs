using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Payments.Sandbox;

/// <summary>The section <c>Sandbox</c> of appsettings or environment (<c>Sandbox__SecretKey</c>, …).</summary>
public sealed class SandboxOptions
{
    public const string Section = "Sandbox";

    /// <summary>
    /// The accepted secret key. Sent as <c>Authorization: Bearer &lt;key&gt;</c> (the current platform, which also
    /// requires <c>processing_channel_id</c>) or raw as <c>Authorization: &lt;key&gt;</c> (the older platform).
    /// </summary>
    public string SecretKey { get; set; } = "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e";

    /// <summary>Where webhooks go; empty means none are sent (they are still listed by the control API).</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>HMAC-SHA256 key for <c>Cko-Signature</c>.</summary>
    public string WebhookSignatureKey { get; set; } = "whsec_sandbox_signature_key";

    /// <summary>Value of the <c>Authorization</c> header on webhooks; none when empty.</summary>
    public string? WebhookAuthorization { get; set; }

    /// <summary>Divides every sandbox delay: page expiry, refund processing, webhook retry intervals.</summary>
    public double TimeScale { get; set; } = 1;

    /// <summary>The test card's approving expiry, MM/YYYY (the source page says 09/2025).</summary>
    public string SuccessExpiry { get; set; } = "09/2025";

    /// <summary>How long the KNET page may stay open (KNET: seven minutes), before <see cref="TimeScale"/>.</summary>
    public TimeSpan PageExpiry { get; set; } = TimeSpan.FromMinutes(7);

    /// <summary>How long a refund takes to complete, before <see cref="TimeScale"/>.</summary>
    public TimeSpan RefundProcessing { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the sandbox waits for a webhook's answer before it counts the attempt as failed (not scaled).</summary>
    public TimeSpan WebhookTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Checkout.com's retry intervals after each failed attempt, before <see cref="TimeScale"/>.</summary>
    public IList<TimeSpan> WebhookRetrySchedule { get; set; } = [];

    public static readonly TimeSpan[] DocumentedRetrySchedule =
    [
        TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30),
        TimeSpan.FromHours(1), TimeSpan.FromHours(4), TimeSpan.FromHours(12), TimeSpan.FromHours(12),
    ];

    /// <summary>Idempotency keys are remembered this long (Checkout.com: 24 hours), not scaled.</summary>
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromHours(24);

    public FaultOptions Faults { get; set; } = new();

    public IReadOnlyList<TimeSpan> RetrySchedule =>
        WebhookRetrySchedule.Count > 0 ? [.. WebhookRetrySchedule] : DocumentedRetrySchedule;

    public TimeSpan Scaled(TimeSpan delay) => TimeScale > 0 ? delay / TimeScale : delay;
}

/// <summary>Faults a test can switch on (in configuration, or at run time through <c>PUT /_sandbox/faults</c>).</summary>
public sealed record FaultOptions
{
    /// <summary>Every webhook is delivered twice, as two deliveries of the same event id.</summary>
    public bool DuplicateDeliveries { get; init; }

    /// <summary>Each webhook of a payment is held until the payment's next one is sent first (or the hold ends).</summary>
    public bool ReorderDeliveries { get; init; }

    /// <summary>How long a reordered webhook waits for its successor, before <see cref="SandboxOptions.TimeScale"/>.</summary>
    public TimeSpan ReorderHold { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Every webhook published while this is on is listed as <c>Dropped</c> and never sent, nor retried: Checkout.com's
    /// webhooks lost or switched off, so only a read of the payment tells the outcome.
    /// </summary>
    public bool DropWebhooks { get; init; }

    /// <summary>Every webhook's first attempt waits this long (not scaled).</summary>
    public TimeSpan DeliveryDelay { get; init; }

    /// <summary>The first N attempts of every webhook fail without reaching the receiver, as if the network dropped them.</summary>
    public int FailFirstAttempts { get; init; }

    /// <summary>API requests wait this long before they are processed (not scaled): a slow Checkout.com.</summary>
    public TimeSpan ApiDelay { get; init; }

    /// <summary>The next N API requests answer 503 without being processed: Checkout.com down.</summary>
    public int RejectNextRequests { get; init; }

    /// <summary>The next N API requests are processed, then the connection is aborted: the answer is lost.</summary>
    public int LoseNextResponses { get; init; }

    // Settlement discrepancies, stamped on each capture or refund settled while they are on (Reports/SettlementLedger.cs).

    /// <summary>Captures and refunds settle this many days after (negative: before) the day they were processed.</summary>
    public int SettlementDayShift { get; init; }

    /// <summary>Every refund settles for this many fils more than was refunded (negative: fewer).</summary>
    public long RefundAmountDifference { get; init; }

    /// <summary>Every capture settles with a processing fee of this many fils (a <c>Processing Fee</c> breakdown line).</summary>
    public long FeePerCapture { get; init; }

    /// <summary>Every capture settled brings the settlement of a capture of a payment nobody here requested.</summary>
    public bool SettleUnknownCapture { get; init; }
}

/// <summary>
/// Checked when the sandbox starts (ValidateOnStart): each failure names the setting, what is wrong, what would happen
/// and its environment form, as the service's own settings do.
/// </summary>
public sealed partial class SandboxOptionsValidation : IValidateOptions<SandboxOptions>
{
    private const string S = SandboxOptions.Section;

    public ValidateOptionsResult Validate(string? name, SandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new ValidateOptionsResultBuilder();
        void Fail(string key, string wrong, string consequence) =>
            failures.AddError($"{S}:{key} {wrong}: {consequence} (environment: {S}__{key.Replace(":", "__", StringComparison.Ordinal)}).");
        void Positive(string key, TimeSpan value, string consequence)
        {
            if (value <= TimeSpan.Zero)
            {
                Fail(key, $"is {Show(value)}, not a positive time", consequence);
            }
        }

        void NotNegative(string key, TimeSpan value, string consequence)
        {
            if (value < TimeSpan.Zero)
            {
                Fail(key, $"is {Show(value)}, a negative time", consequence);
            }
        }

        void NotNegativeCount(string key, int value, string consequence)
        {
            if (value < 0)
            {
                Fail(key, $"is {value}, a negative count", consequence);
            }
        }

        if (string.IsNullOrWhiteSpace(options.SecretKey))
        {
            Fail(nameof(options.SecretKey), "is empty", "every API call would be answered 401");
        }

        if (string.IsNullOrWhiteSpace(options.WebhookSignatureKey))
        {
            Fail(nameof(options.WebhookSignatureKey), "is empty", "every webhook would carry a signature anyone could forge");
        }

        if (!string.IsNullOrEmpty(options.WebhookUrl)
            && !(Uri.TryCreate(options.WebhookUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
        {
            Fail(nameof(options.WebhookUrl), $"is '{options.WebhookUrl}', not empty or an absolute http(s) URL", "no webhook could be delivered");
        }

        if (!double.IsFinite(options.TimeScale) || options.TimeScale <= 0)
        {
            Fail(nameof(options.TimeScale), $"is {options.TimeScale.ToString(CultureInfo.InvariantCulture)}, not a positive number",
                "every sandbox delay is divided by it");
        }

        if (!Expiry().IsMatch(options.SuccessExpiry))
        {
            Fail(nameof(options.SuccessExpiry), $"is '{options.SuccessExpiry}', not MM/YYYY", "the test card could never be approved");
        }

        Positive(nameof(options.PageExpiry), options.PageExpiry, "every KNET page would expire at once");
        NotNegative(nameof(options.RefundProcessing), options.RefundProcessing, "a refund could not be scheduled");
        Positive(nameof(options.WebhookTimeout), options.WebhookTimeout, "every webhook attempt would count as failed");
        for (var i = 0; i < options.WebhookRetrySchedule.Count; i++)
        {
            Positive($"{nameof(options.WebhookRetrySchedule)}:{i}", options.WebhookRetrySchedule[i], "a failed webhook would be retried at once");
        }

        Positive(nameof(options.IdempotencyRetention), options.IdempotencyRetention, "no Cko-Idempotency-Key would be remembered");
        const string F = nameof(options.Faults);
        Positive($"{F}:{nameof(FaultOptions.ReorderHold)}", options.Faults.ReorderHold, "a reordered webhook would not wait for its successor");
        NotNegative($"{F}:{nameof(FaultOptions.DeliveryDelay)}", options.Faults.DeliveryDelay, "a webhook could not be scheduled");
        NotNegative($"{F}:{nameof(FaultOptions.ApiDelay)}", options.Faults.ApiDelay, "an API request could not be delayed");
        NotNegativeCount($"{F}:{nameof(FaultOptions.FailFirstAttempts)}", options.Faults.FailFirstAttempts, "it is how many first attempts of each webhook fail");
        NotNegativeCount($"{F}:{nameof(FaultOptions.RejectNextRequests)}", options.Faults.RejectNextRequests, "it is how many API requests are answered 503");
        NotNegativeCount($"{F}:{nameof(FaultOptions.LoseNextResponses)}", options.Faults.LoseNextResponses, "it is how many API answers are lost");
        if (options.Faults.SettlementDayShift is < -MaxDayShift or > MaxDayShift)
        {
            Fail($"{F}:{nameof(FaultOptions.SettlementDayShift)}", $"is {options.Faults.SettlementDayShift}, not between -{MaxDayShift} and {MaxDayShift}",
                "a settlement would land outside any report a test asks for");
        }

        if (options.Faults.FeePerCapture < 0)
        {
            Fail($"{F}:{nameof(FaultOptions.FeePerCapture)}", $"is {options.Faults.FeePerCapture}, a negative fee", "a fee is charged, never paid");
        }
        return failures.Build();
    }

    public const int MaxDayShift = 31;

    private static string Show(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(0[1-9]|1[0-2])/[0-9]{4}\z")]
    private static partial Regex Expiry();
}
