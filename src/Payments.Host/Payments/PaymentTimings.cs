namespace Payments.Host.Payments;

/// <summary>
/// The section <c>Payments</c>: how long to wait before asking Checkout.com about something undecided, and when to
/// stop asking and flag it for an operator. Tests shrink these; nothing here is a real-minutes sleep.
/// </summary>
public sealed class PaymentTimings
{
    public const string Section = "Payments";

    /// <summary>Waits between asking Checkout.com again about a payment request that got no answer.</summary>
    public List<TimeSpan> RequestRetryDelays { get; set; } =
        [TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15)];

    public static TimeSpan Next(IReadOnlyList<TimeSpan> delays, int attempt) =>
        delays.Count == 0 ? TimeSpan.FromMinutes(1) : delays[Math.Min(attempt, delays.Count) - 1];
}
