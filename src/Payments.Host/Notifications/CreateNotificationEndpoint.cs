using Marten;
using Payments.Domain;
using Payments.Host.Edge;
using Wolverine.Http;

namespace Payments.Host.Notifications;

/// <summary>The body of <c>POST /notification-endpoints</c>: where to post, and which types (none: all of them).</summary>
public sealed record CreateNotificationEndpointRequest : IValidatedRequest
{
    /// <summary>An absolute http(s) URL without user information.</summary>
    public string? Url { get; init; }

    /// <summary>Leave it out (or empty) for every type.</summary>
    public IReadOnlyList<string>? EventTypes { get; init; }

    public static string InvalidTitle => "The notification endpoint is not valid";

    public IReadOnlyList<FieldError> Validate()
    {
        var errors = new List<FieldError>();
        if (NotificationUrls.Problem(Url) is { } problem)
        {
            errors.Add(new FieldError("url", "url_invalid", $"The URL is {problem}."));
        }

        if ((EventTypes ?? []).Any(t => !NotificationTypes.All.Contains(t)))
        {
            errors.Add(new FieldError("eventTypes", "event_type_unknown", $"Each type is one of {string.Join(", ", NotificationTypes.All)}."));
        }

        return errors;
    }
}

/// <summary>An endpoint and its secret, shown this once.</summary>
public sealed record CreatedNotificationEndpoint(NotificationEndpointView Endpoint, string Secret);

/// <summary>
/// <c>POST /notification-endpoints</c>: 201 with the generated <c>whsec_…</c> secret, which is never shown again;
/// 422 <c>request_invalid</c> for a URL that is not absolute http(s) or carries credentials, or an unknown type.
/// </summary>
public static class CreateNotificationEndpoint
{
    [WolverinePost("/notification-endpoints")]
    public static async Task<IResult> Post(HttpRequest request, IDocumentStore store, TimeProvider time, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(store);
        var (body, problem) = await StrictJson.ReadAsync<CreateNotificationEndpointRequest>(request, cancellation);
        if (body is null)
        {
            return problem!;
        }

        var now = time.GetUtcNow();
        var secret = NotificationSecrets.New();
        await using var session = store.LightweightSession();
        var endpoint = new NotificationEndpoint
        {
            Id = "ne_" + Guid.CreateVersion7().ToString("N"), Url = body.Url!, EventTypes = [.. (body.EventTypes ?? []).Distinct()],
            CreatedAt = now, AfterSequence = await NotificationEndpoint.HighWaterAsync(session, cancellation),
            Secrets = [new EndpointSecret(secret, now, null)],
        };
        session.Insert(endpoint);
        await session.SaveChangesAsync(cancellation);
        return Results.Created($"/notification-endpoints/{endpoint.Id}", new CreatedNotificationEndpoint(NotificationEndpointView.Of(endpoint), secret));
    }
}
