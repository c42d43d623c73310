using System.Globalization;
using Microsoft.Extensions.Options;

namespace Payments.Host.Configuration;

/// <summary>
/// The one shape of a configuration failure: the setting, what is wrong with it, what would happen if the service ran
/// with it, and its environment-variable form — "Checkout:SecretKey is empty: Checkout.com would refuse every call
/// (environment: Checkout__SecretKey)." Each options class states its rules in an <see cref="IValidateOptions{T}"/>
/// with these, checked at start (ValidateOnStart); the failures of every class are reported together.
/// </summary>
public static class SettingRules
{
    /// <summary><c>Section:Key</c> as an environment variable: <c>Section__Key</c>.</summary>
    public static string EnvironmentForm(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Replace(":", "__", StringComparison.Ordinal);
    }

    public static string Failure(string key, string wrong, string consequence) =>
        $"{key} {wrong}: {consequence} (environment: {EnvironmentForm(key)}).";

    /// <summary>A time as configuration writes it (<c>00:00:30</c>, <c>-00:00:01</c>).</summary>
    public static string Show(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    public static void Fail(this ValidateOptionsResultBuilder failures, string key, string wrong, string consequence)
    {
        ArgumentNullException.ThrowIfNull(failures);
        failures.AddError(Failure(key, wrong, consequence));
    }

    public static void RequireValue(this ValidateOptionsResultBuilder failures, string key, string? value, string consequence)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            failures.Fail(key, "is empty", consequence);
        }
    }

    public static void RequirePositive(this ValidateOptionsResultBuilder failures, string key, TimeSpan value, string consequence)
    {
        if (value <= TimeSpan.Zero)
        {
            failures.Fail(key, $"is {Show(value)}, not a positive time", consequence);
        }
    }

    /// <summary>Every entry of a list of waits (<c>Key:0</c>, <c>Key:1</c>, …) is positive.</summary>
    public static void RequirePositive(this ValidateOptionsResultBuilder failures, string key, IEnumerable<TimeSpan> values, string consequence)
    {
        ArgumentNullException.ThrowIfNull(values);
        var i = 0;
        foreach (var value in values)
        {
            failures.RequirePositive($"{key}:{i++}", value, consequence);
        }
    }

    public static void RequireAtLeastOne(this ValidateOptionsResultBuilder failures, string key, int value, string consequence)
    {
        if (value < 1)
        {
            failures.Fail(key, $"is {value}, not at least 1", consequence);
        }
    }

    public static void RequireHttpUrl(this ValidateOptionsResultBuilder failures, string key, string? value, string consequence)
    {
        if (!IsHttpUrl(value))
        {
            failures.Fail(key, $"is '{value}', not an absolute http(s) URL", consequence);
        }
    }

    public static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https";
}
