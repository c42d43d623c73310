using Microsoft.Extensions.Options;
using Payments.Host.Configuration;

namespace Payments.Host.Notifications;

/// <summary>The section <c>Notifications</c>. See docs/architecture.md, "Notifications".</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>Endpoints kept in step with configuration at start (the API adds others).</summary>
    public List<ConfiguredEndpoint> Endpoints { get; set; } = [];

    /// <summary>How long a rotated-out secret still signs deliveries beside the new one.</summary>
    public TimeSpan RotationOverlap { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The answer a receiver has to give before the attempt counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Waits between attempts after a failure; after the last the notification is failed (attention).</summary>
    public List<TimeSpan> RetryDelays { get; set; } = [];

    /// <summary>
    /// A notification waiting behind an earlier one of its payment that is still retrying looks again after this
    /// (the earlier one's success also sends it at once).
    /// </summary>
    public TimeSpan BlockedRecheck { get; set; } = TimeSpan.FromMinutes(1);

    // More than 72 hours in all: a receiver down over a long weekend still gets everything.
    public IReadOnlyList<TimeSpan> Retries => RetryDelays.Count > 0 ? RetryDelays
        : [TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
            TimeSpan.FromHours(6), TimeSpan.FromHours(12), TimeSpan.FromHours(24), TimeSpan.FromHours(24), TimeSpan.FromHours(24)];
}

/// <summary>One <c>Notifications:Endpoints:N</c>: where to post, the secret to sign with, which types (none = all).</summary>
public sealed class ConfiguredEndpoint
{
    public string Url { get; set; } = "";
    public string Secret { get; set; } = "";
    public List<string> EventTypes { get; set; } = [];
}

public sealed class NotificationOptionsValidation : IValidateOptions<NotificationOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = NotificationOptions.Section;
        var failures = new ValidateOptionsResultBuilder();
        failures.RequirePositive($"{S}:{nameof(options.RotationOverlap)}", options.RotationOverlap, "a rotated secret would stop verifying at once");
        failures.RequirePositive($"{S}:{nameof(options.Timeout)}", options.Timeout, "no delivery could ever succeed");
        failures.RequirePositive($"{S}:{nameof(options.BlockedRecheck)}", options.BlockedRecheck, "a waiting notification would look again at once, for ever");
        failures.RequirePositive($"{S}:{nameof(options.RetryDelays)}", options.RetryDelays, "a failing receiver would be retried at once");
        for (var i = 0; i < options.Endpoints.Count; i++)
        {
            var endpoint = options.Endpoints[i];
            var key = $"{S}:{nameof(options.Endpoints)}:{i}";
            if (NotificationUrls.Problem(endpoint.Url) is { } problem)
            {
                failures.Fail($"{key}:{nameof(endpoint.Url)}", $"is '{NotificationUrls.Shown(endpoint.Url)}', {problem}", "nothing could be delivered there");
            }

            if (endpoint.Secret.Length < NotificationSecrets.MinimumLength)
            {
                failures.Fail($"{key}:{nameof(endpoint.Secret)}", $"has {endpoint.Secret.Length} characters, not at least {NotificationSecrets.MinimumLength}",
                    "a short secret lets anyone forge our signature");
            }

            foreach (var type in endpoint.EventTypes.Where(t => !NotificationTypes.All.Contains(t)))
            {
                failures.Fail($"{key}:{nameof(endpoint.EventTypes)}", $"names '{type}', not one of {string.Join(", ", NotificationTypes.All)}",
                    "that endpoint would never receive it");
            }
        }

        return failures.Build();
    }
}

/// <summary>Where we agree to post: an absolute http(s) URL without user information (docs/architecture.md, "Notifications").</summary>
public static class NotificationUrls
{
    public const int MaxLength = 2000;

    public static string? Problem(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxLength)
        {
            return $"not an absolute http(s) URL of at most {MaxLength} characters";
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https"))
        {
            return "not an absolute http(s) URL";
        }

        return parsed.UserInfo.Length > 0 ? "carrying user information (credentials belong in the signature, not the URL)" : null;
    }

    /// <summary>A URL as it may be shown: user information and query removed, they may hold credentials.</summary>
    public static string Shown(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var parsed) ? parsed.GetLeftPart(UriPartial.Path).Replace(parsed.UserInfo + "@", "", StringComparison.Ordinal) : "(not a URL)";
}
