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
}
