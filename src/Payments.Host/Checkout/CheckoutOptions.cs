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
