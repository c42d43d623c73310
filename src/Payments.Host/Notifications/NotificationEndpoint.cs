using System.Security.Cryptography;
using Marten;
using Payments.Domain;

namespace Payments.Host.Notifications;

/// <summary>A secret that signs deliveries until <see cref="ValidUntil"/> (null: the current one, no end).</summary>
public sealed record EndpointSecret(string Value, DateTimeOffset CreatedAt, DateTimeOffset? ValidUntil);

/// <summary>
/// One of the merchant's receivers. Only notifications of events after <see cref="AfterSequence"/> (the event
/// store's high-water mark when it was created) go to it: a new endpoint is not flooded with history.
/// </summary>
public sealed class NotificationEndpoint
{
    public string Id { get; set; } = "";
    public string Url { get; set; } = "";
    public List<string> EventTypes { get; set; } = [];

    /// <summary>The current secret first, then a previous one still inside its overlap.</summary>
    public List<EndpointSecret> Secrets { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }
    public bool Disabled { get; set; }
    public long AfterSequence { get; set; }

    /// <summary>Set for endpoints that come from configuration: they are kept in step with it at start.</summary>
    public bool Configured { get; set; }

    /// <summary>The highest event sequence committed so far: a new endpoint starts after it.</summary>
    public static async Task<long> HighWaterAsync(IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        var found = await session.QueryAsync<long>($"select coalesce(max(seq_id), 0) from {schema}.mt_events", cancellation);
        return found.Count == 0 ? 0 : found[0];
    }

    public bool Accepts(string type) => EventTypes.Count == 0 || EventTypes.Contains(type);

    /// <summary>The secrets that sign a delivery at <paramref name="now"/>: the current one, and a previous one still in its overlap.</summary>
    public IReadOnlyList<string> SigningSecrets(DateTimeOffset now) =>
        [.. Secrets.Where(s => s.ValidUntil is null || s.ValidUntil > now).Select(s => s.Value)];

    /// <summary>A new current secret; the old one stays valid for <paramref name="overlap"/>; older ones are dropped.</summary>
    public void Rotate(string secret, DateTimeOffset now, TimeSpan overlap)
    {
        var current = Secrets.FirstOrDefault(s => s.ValidUntil is null);
        Secrets = [new EndpointSecret(secret, now, null), .. current is null ? [] : new[] { current with { ValidUntil = now + overlap } }];
    }
}

/// <summary>What an endpoint looks like from the API: never a secret, only how many sign and until when.</summary>
public sealed record NotificationEndpointView(
    string Id, string Url, IReadOnlyList<string> EventTypes, DateTimeOffset CreatedAt, bool Disabled, bool Configured,
    IReadOnlyList<DateTimeOffset?> SecretsValidUntil)
{
    public static NotificationEndpointView Of(NotificationEndpoint e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.Id, e.Url, e.EventTypes, e.CreatedAt, e.Disabled, e.Configured, [.. e.Secrets.Select(s => s.ValidUntil)]);
    }
}

public static class NotificationSecrets
{
    public const string Prefix = "whsec_";
    public const int MinimumLength = 24;

    /// <summary>32 random bytes, base64url, behind <c>whsec_</c> (generated at the edge, shown once).</summary>
    public static string New() => Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

/// <summary>
/// The notification types: a payment reaching a decided or refunded status, a refund reaching its outcome
/// (docs/architecture.md, "Notifications"). A refund that succeeds can yield two: refund.succeeded and the payment's
/// new status.
/// </summary>
public static class NotificationTypes
{
    public static readonly PaymentStatus[] PaymentStatuses =
    [
        PaymentStatus.Captured, PaymentStatus.Declined, PaymentStatus.Rejected, PaymentStatus.Canceled, PaymentStatus.Expired,
        PaymentStatus.PartiallyRefunded, PaymentStatus.Refunded,
    ];

    public static readonly RefundStatus[] RefundStatuses = [RefundStatus.Succeeded, RefundStatus.Declined];

    public static readonly string[] All =
        [.. PaymentStatuses.Select(Of), .. RefundStatuses.Select(Of)];

    public static string Of(PaymentStatus status) => "payment." + Snake(status.ToString());

    public static string Of(RefundStatus status) => "refund." + Snake(status.ToString());

    /// <summary>The notified changes from <paramref name="before"/> to <paramref name="after"/>: refunds first, then the payment.</summary>
    public static IReadOnlyList<string> Changes(Payment? before, Payment after)
    {
        ArgumentNullException.ThrowIfNull(after);
        var changes = new List<string>();
        foreach (var refund in after.Refunds)
        {
            var was = before?.Refunds.FirstOrDefault(r => r.Id == refund.Id)?.Status;
            if (was != refund.Status && RefundStatuses.Contains(refund.Status))
            {
                changes.Add(Of(refund.Status));
            }
        }

        if (before?.Status != after.Status && PaymentStatuses.Contains(after.Status))
        {
            changes.Add(Of(after.Status));
        }

        return changes;
    }

    private static string Snake(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
