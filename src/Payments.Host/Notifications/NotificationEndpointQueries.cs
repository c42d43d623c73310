using Marten;
using Payments.Host.Payments;
using Wolverine.Http;

namespace Payments.Host.Notifications;

/// <summary><c>GET /notification-endpoints</c>: every endpoint, oldest first, never a secret.</summary>
public static class ListNotificationEndpoints
{
    [WolverineGet("/notification-endpoints")]
    public static async Task<IReadOnlyList<NotificationEndpointView>> Get(IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        var endpoints = await session.Query<NotificationEndpoint>().OrderBy(e => e.CreatedAt).ToListAsync(cancellation);
        return [.. endpoints.Select(NotificationEndpointView.Of)];
    }
}

/// <summary><c>GET /notification-endpoints/{id}</c>: one endpoint, never a secret; 404 <c>notification_endpoint_not_found</c>.</summary>
public static class GetNotificationEndpoint
{
    [WolverineGet("/notification-endpoints/{id}")]
    public static async Task<IResult> Get(string id, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        var endpoint = NotificationProblems.Plausible(id) ? await session.LoadAsync<NotificationEndpoint>(id, cancellation) : null;
        return endpoint is null ? NotificationProblems.EndpointNotFound(id) : Results.Ok(NotificationEndpointView.Of(endpoint));
    }
}

public static class NotificationProblems
{
    public static IResult EndpointNotFound(string id) => Problems.Of(StatusCodes.Status404NotFound, "notification_endpoint_not_found",
        "Notification endpoint not found", $"No notification endpoint {Shown(id)}.");

    public static IResult NotificationNotFound(string id) => Problems.Of(StatusCodes.Status404NotFound, "notification_not_found",
        "Notification not found", $"No notification {Shown(id)}.");

    /// <summary>Our ids are short ASCII words; anything else (NUL, other scripts, kilobytes) is not looked up at all.</summary>
    public static bool Plausible(string id) => id.Length is > 0 and <= 80 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static string Shown(string id) => Plausible(id) ? id : "(that id)";
}

/// <summary>
/// <c>DELETE /notification-endpoints/{id}</c>: disabled, kept for the delivery log; nothing more is produced for it
/// and its pending notifications fail at their next attempt. 204, or 404.
/// </summary>
public static class DisableNotificationEndpoint
{
    [WolverineDelete("/notification-endpoints/{id}")]
    public static async Task<IResult> Delete(string id, IDocumentStore store, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        await using var session = store.LightweightSession();
        var endpoint = NotificationProblems.Plausible(id) ? await session.LoadAsync<NotificationEndpoint>(id, cancellation) : null;
        if (endpoint is null)
        {
            return NotificationProblems.EndpointNotFound(id);
        }

        endpoint.Disabled = true;
        session.Store(endpoint);
        await session.SaveChangesAsync(cancellation);
        return Results.NoContent();
    }
}

/// <summary>What a rotation answers: the new secret, shown this once, and until when the previous one still signs.</summary>
public sealed record RotatedSecret(string Secret, DateTimeOffset PreviousValidUntil);

/// <summary>
/// <c>POST /notification-endpoints/{id}/rotate-secret</c>: a new secret; the previous one keeps signing beside it for
/// <c>Notifications:RotationOverlap</c>, so a receiver can switch without missing a delivery. 200, or 404.
/// </summary>
public static class RotateNotificationSecret
{
    [WolverinePost("/notification-endpoints/{id}/rotate-secret")]
    public static async Task<IResult> Post(
        string id, IDocumentStore store, TimeProvider time, Microsoft.Extensions.Options.IOptions<NotificationOptions> options, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        await using var session = store.LightweightSession();
        var endpoint = NotificationProblems.Plausible(id) ? await session.LoadAsync<NotificationEndpoint>(id, cancellation) : null;
        if (endpoint is null)
        {
            return NotificationProblems.EndpointNotFound(id);
        }

        var now = time.GetUtcNow();
        var secret = NotificationSecrets.New();
        endpoint.Rotate(secret, now, options.Value.RotationOverlap);
        session.Store(endpoint);
        await session.SaveChangesAsync(cancellation);
        return Results.Ok(new RotatedSecret(secret, now + options.Value.RotationOverlap));
    }
}
