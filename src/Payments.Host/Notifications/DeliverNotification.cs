using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.Options;
using Payments.Host.Payments;
using Wolverine;

namespace Payments.Host.Notifications;

/// <summary>Post one notification now, if it is still pending and nothing earlier of its endpoint and payment is.</summary>
public sealed record DeliverNotification(string NotificationId, string Partition);

/// <summary>
/// One delivery attempt (docs/architecture.md, "Notifications"). Order per endpoint and payment: a notification goes
/// out only when no earlier one of the same partition is pending; a delivered or finally failed one sends the next.
/// A failure is recorded and the same message is scheduled again after the next wait (Wolverine's durable scheduled
/// messages), so a retrying notification keeps the ones after it waiting.
/// </summary>
public static partial class DeliverNotificationHandler
{
    public const string HttpClientName = "notifications";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<OutgoingMessages> Handle(
        DeliverNotification message, IDocumentSession session, IHttpClientFactory clients, IOptions<NotificationOptions> options,
        TimeProvider time, ILogger<DeliverNotification> logger, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(clients);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        var outgoing = new OutgoingMessages();
        var notification = await session.LoadAsync<Notification>(message.NotificationId, cancellation);
        if (notification is not { Status: NotificationStatus.Pending })
        {
            return outgoing;
        }

        var settings = options.Value;
        var earlier = await session.Query<Notification>()
            .Where(n => n.EndpointId == notification.EndpointId && n.PaymentId == notification.PaymentId
                && n.Status == NotificationStatus.Pending && n.Order < notification.Order)
            .OrderBy(n => n.Order).FirstOrDefaultAsync(cancellation);
        if (earlier is not null)
        {
            // The earlier one sends this one when it is done; looking again later covers a send that raced this check.
            var now0 = time.GetUtcNow();
            var wait = earlier.NextAttemptAt is { } next && next > now0 ? next - now0 + settings.BlockedRecheck : settings.BlockedRecheck;
            outgoing.Add(message.DelayedFor(wait));
            return outgoing;
        }

        var endpoint = await session.LoadAsync<NotificationEndpoint>(notification.EndpointId, cancellation);
        var now = time.GetUtcNow();
        if (endpoint is null || endpoint.Disabled)
        {
            notification.Attempts.Add(new DeliveryAttempt(now, null, "endpoint disabled", 0));
            return await FinishAsync(notification, NotificationStatus.Failed, session, outgoing, cancellation);
        }

        var attempt = await PostAsync(notification, endpoint, clients.CreateClient(HttpClientName), now, cancellation);
        notification.Attempts.Add(attempt);
        if (attempt.StatusCode is >= 200 and < 300)
        {
            Delivered(logger, notification.Id, notification.Type, attempt.StatusCode.Value);
            return await FinishAsync(notification, NotificationStatus.Delivered, session, outgoing, cancellation);
        }

        var delay = PaymentTimings.WaitAfter(settings.Retries, notification.FailuresInRow);
        notification.FailuresInRow++;
        if (delay is { } retryIn)
        {
            notification.NextAttemptAt = now + retryIn;
            session.Store(notification);
            outgoing.Add(message.DelayedFor(retryIn));
            Retrying(logger, notification.Id, notification.Type, attempt.StatusCode, retryIn);
            return outgoing;
        }

        GaveUp(logger, notification.Id, notification.Type, notification.Attempts.Count);
        return await FinishAsync(notification, NotificationStatus.Failed, session, outgoing, cancellation);
    }

    /// <summary>Done with this one, for better or worse: the next of its partition may go.</summary>
    private static async Task<OutgoingMessages> FinishAsync(
        Notification notification, NotificationStatus status, IDocumentSession session, OutgoingMessages outgoing, CancellationToken cancellation)
    {
        notification.Status = status;
        notification.NextAttemptAt = null;
        notification.FailuresInRow = 0;
        session.Store(notification);
        var next = await session.Query<Notification>()
            .Where(n => n.EndpointId == notification.EndpointId && n.PaymentId == notification.PaymentId
                && n.Status == NotificationStatus.Pending && n.Order > notification.Order)
            .OrderBy(n => n.Order).FirstOrDefaultAsync(cancellation);
        if (next is not null)
        {
            outgoing.Add(new DeliverNotification(next.Id, next.Partition));
        }

        return outgoing;
    }

    /// <summary>The POST itself: 2xx is delivered; any other answer, a timeout or a refused connection is a failed attempt.</summary>
    public static async Task<DeliveryAttempt> PostAsync(
        Notification notification, NotificationEndpoint endpoint, HttpClient client, DateTimeOffset now, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(client);
        var body = JsonSerializer.Serialize(new NotificationBody(notification.Id, notification.Type, notification.CreatedAt, notification.Data), Json);
        var timestamp = now.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("Payments-Notification-Id", notification.Id);
        request.Headers.Add("Payments-Timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("Payments-Signature", NotificationSignature.Header(endpoint.SigningSecrets(now), timestamp, body));
        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
            return new DeliveryAttempt(now, (int)response.StatusCode, null, watch.ElapsedMilliseconds);
        }
        catch (HttpRequestException e)
        {
            return new DeliveryAttempt(now, null, e.HttpRequestError.ToString(), watch.ElapsedMilliseconds);
        }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new DeliveryAttempt(now, null, "timeout", watch.ElapsedMilliseconds);
        }
    }

    [LoggerMessage(LogLevel.Information, "Notification {NotificationId} ({Type}) delivered: {StatusCode}")]
    private static partial void Delivered(ILogger logger, string notificationId, string type, int statusCode);

    [LoggerMessage(LogLevel.Warning, "Notification {NotificationId} ({Type}) not delivered ({StatusCode}); next attempt in {Delay}")]
    private static partial void Retrying(ILogger logger, string notificationId, string type, int? statusCode, TimeSpan delay);

    [LoggerMessage(LogLevel.Error, "Notification {NotificationId} ({Type}) failed after {Attempts} attempts")]
    private static partial void GaveUp(ILogger logger, string notificationId, string type, int attempts);
}
