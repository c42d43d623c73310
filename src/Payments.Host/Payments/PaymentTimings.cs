using Microsoft.Extensions.Options;
using Payments.Host.Configuration;

namespace Payments.Host.Payments;

/// <summary>
/// The section <c>Payments</c>: how long to wait before asking Checkout.com about something undecided, and when to
/// stop asking and flag it for an operator. Tests shrink these; nothing here is a real-minutes sleep.
/// </summary>
public sealed class PaymentTimings
{
    public const string Section = "Payments";

    // The configuration binder appends configured items to a list that already holds some, so the lists start empty
    // and the defaults apply only when nothing is configured.

    /// <summary>Waits between asking Checkout.com again about a request (payment or refund) that got no answer.</summary>
    public List<TimeSpan> RequestRetryDelays { get; set; } = [];

    /// <summary>KNET's page allows 7 minutes; after this a payment still undecided is asked about at Checkout.com.</summary>
    public TimeSpan OutcomeCheckAfter { get; set; } = TimeSpan.FromMinutes(9);

    /// <summary>Undecided for longer than this, a payment or refund appears in GET /operations/attention.</summary>
    public TimeSpan AttentionAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>After Checkout.com accepts a refund, when to ask about it if its outcome has not arrived.</summary>
    public TimeSpan RefundCheckAfter { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Waits between further checks of a payment Checkout.com still reports as pending; then it is flagged.</summary>
    public List<TimeSpan> OutcomeRetryDelays { get; set; } = [];

    /// <summary>Waits before retrying a webhook whose payment is not found; after the last it is parked.</summary>
    public List<TimeSpan> UnknownPaymentRetryDelays { get; set; } = [];

    /// <summary>
    /// Waits between further reads of a decided payment whose KNET record Checkout.com did not report yet; after the
    /// last the payment is flagged.
    /// </summary>
    public List<TimeSpan> KnetDetailsRetryDelays { get; set; } = [];

    public IReadOnlyList<TimeSpan> RequestRetries => RequestRetryDelays.Count > 0 ? RequestRetryDelays
        : [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15)];

    public IReadOnlyList<TimeSpan> OutcomeRetries => OutcomeRetryDelays.Count > 0 ? OutcomeRetryDelays
        : [TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1), TimeSpan.FromHours(4)];

    public IReadOnlyList<TimeSpan> UnknownPaymentRetries => UnknownPaymentRetryDelays.Count > 0 ? UnknownPaymentRetryDelays
        : [TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10)];

    public IReadOnlyList<TimeSpan> KnetDetailsRetries => KnetDetailsRetryDelays.Count > 0 ? KnetDetailsRetryDelays
        : [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)];

    /// <summary>
    /// The wait before the next try once <paramref name="waitsUsed"/> waits of <paramref name="delays"/> have been spent;
    /// null when they are all spent and an operator must look instead.
    /// </summary>
    public static TimeSpan? WaitAfter(IReadOnlyList<TimeSpan> delays, int waitsUsed)
    {
        ArgumentNullException.ThrowIfNull(delays);
        return waitsUsed >= 0 && waitsUsed < delays.Count ? delays[waitsUsed] : null;
    }
}

public sealed class PaymentTimingsValidation : IValidateOptions<PaymentTimings>
{
    public ValidateOptionsResult Validate(string? name, PaymentTimings options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = PaymentTimings.Section;
        var failures = new ValidateOptionsResultBuilder();
        failures.RequirePositive($"{S}:{nameof(options.RequestRetryDelays)}", options.RequestRetryDelays,
            "a request that got no answer would be asked about again at once");
        failures.RequirePositive($"{S}:{nameof(options.OutcomeCheckAfter)}", options.OutcomeCheckAfter,
            "a payment would be asked about before its customer could pay");
        failures.RequirePositive($"{S}:{nameof(options.AttentionAfter)}", options.AttentionAfter,
            "every undecided payment and refund would be listed for an operator at once");
        failures.RequirePositive($"{S}:{nameof(options.RefundCheckAfter)}", options.RefundCheckAfter,
            "a refund would be asked about before Checkout.com could process it");
        failures.RequirePositive($"{S}:{nameof(options.OutcomeRetryDelays)}", options.OutcomeRetryDelays,
            "a payment still pending at Checkout.com would be asked about again at once");
        failures.RequirePositive($"{S}:{nameof(options.UnknownPaymentRetryDelays)}", options.UnknownPaymentRetryDelays,
            "a webhook for a payment not found would be retried at once");
        failures.RequirePositive($"{S}:{nameof(options.KnetDetailsRetryDelays)}", options.KnetDetailsRetryDelays,
            "a KNET record not reported yet would be read again at once");
        return failures.Build();
    }
}
