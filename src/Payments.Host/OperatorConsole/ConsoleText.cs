using System.Globalization;
using Payments.Domain;

namespace Payments.Host.OperatorConsole;

/// <summary>How the console writes times and money for people: UTC, ISO-like; fils as KWD with three decimals.</summary>
public static class ConsoleText
{
    public static string Time(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? at) => at is { } value ? Time(value) : "";

    public static string Money(long fils) => Kwd.Format(fils);

    public static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>One delivery attempt of a notification: when, what came back (or why nothing did), and how long it took.</summary>
    public static string Attempt(global::Payments.Host.Notifications.DeliveryAttempt? attempt) => attempt is null ? "none yet"
        : $"{Time(attempt.At)}: {(attempt.StatusCode is { } code ? $"HTTP {code}" : attempt.Error ?? "no answer")} in {attempt.DurationMs} ms";
}
