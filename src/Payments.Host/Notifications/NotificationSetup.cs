using Payments.Domain;
using JasperFx.Events;
using Marten;
using Microsoft.Extensions.Options;
using Payments.Host.Configuration;
using JasperFx;
using Wolverine;
using Wolverine.Configuration;
using Wolverine.ErrorHandling;

namespace Payments.Host.Notifications;

/// <summary>Notifications to the merchant's systems (docs/architecture.md, "Notifications").</summary>
public static class NotificationSetup
{
    public static IServiceCollection AddNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<NotificationOptions, NotificationOptionsValidation>(configuration, NotificationOptions.Section);
        // No retry handler: a failed attempt is recorded and retried by Wolverine on the notification's own schedule.
        services.AddHttpClient(DeliverNotificationHandler.HttpClientName, (sp, client) =>
            client.Timeout = sp.GetRequiredService<IOptions<NotificationOptions>>().Value.Timeout);
        services.AddHostedService<ConfiguredEndpoints>();
        return services;
    }

    /// <summary>The documents and their indexes, in the event store's schema.</summary>
    public static void AddTo(StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Two nodes delivering the same notification: the second save loses and re-reads (at most one extra POST).
        options.Schema.For<Notification>().UseOptimisticConcurrency(true)
            .Index(n => n.PaymentId).Duplicate(n => n.EndpointId).Duplicate(n => n.Status, pgType: "varchar(20)");
        options.Schema.For<NotificationEndpoint>();
    }

    /// <summary>
    /// Deliveries of one endpoint and payment run one at a time on a node: a hash of the partition picks one of the
    /// sequential queues (like the webhooks, docs/architecture.md, "Webhooks in order").
    /// </summary>
    /// <summary>The durable local queue of the forwarded status changes (ProduceNotificationsHandler).</summary>
    public const string ChangesQueue = "notification-changes";

    public static void AddTo(WolverineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.MessagePartitioning
            .ByMessage<DeliverNotification>(m => m.Partition)
            .PublishToPartitionedLocalMessaging("notifications", 4, topology =>
            {
                topology.Message<DeliverNotification>();
                topology.MaxDegreeOfParallelism = PartitionSlots.Five;
            });
        // The forwarded status changes share one durable queue instead of one per event type: each durable queue holds
        // connections of its own (to take, release and recover its messages), and eight more per node exhausted a
        // test cluster's connections while a fleet shut down (FleetShutdownTests).
        options.PublishMessage<IEvent<PaymentCaptured>>().ToLocalQueue(ChangesQueue);
        options.PublishMessage<IEvent<PaymentCaptureDeclined>>().ToLocalQueue(ChangesQueue);
        options.PublishMessage<IEvent<PaymentRejected>>().ToLocalQueue(ChangesQueue);
        options.PublishMessage<IEvent<PaymentAbandoned>>().ToLocalQueue(ChangesQueue);
        options.PublishMessage<IEvent<PaymentCanceled>>().ToLocalQueue(ChangesQueue);
        options.PublishMessage<IEvent<PaymentExpired>>().ToLocalQueue(ChangesQueue);
        options.PublishMessage<IEvent<RefundSucceeded>>().ToLocalQueue(ChangesQueue);
        options.PublishMessage<IEvent<RefundDeclined>>().ToLocalQueue(ChangesQueue);
        // Productions of one payment are serialised by its row lock; should two ever create the same notification, the
        // loser re-reads and skips it rather than dead-lettering what else it produced.
        options.Policies.OnException(e => Chain(e).Any(x => x is DocumentAlreadyExistsException), "notification produced twice")
            .RetryWithCooldown(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(250));
    }

    private static IEnumerable<Exception> Chain(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x;
            if (x is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}

/// <summary>Keeps the endpoints of <c>Notifications:Endpoints</c> in step with configuration at start.</summary>
public sealed class ConfiguredEndpoints(IDocumentStore store, IOptions<NotificationOptions> options, TimeProvider time) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.Endpoints.Count == 0)
        {
            return;
        }

        await using var session = store.LightweightSession();
        var now = time.GetUtcNow();
        var highWater = await NotificationEndpoint.HighWaterAsync(session, cancellationToken);
        foreach (var configured in settings.Endpoints)
        {
            var id = "cfg_" + Notification.IdOf(Guid.Empty, "configured", configured.Url)[4..20];
            var endpoint = await session.LoadAsync<NotificationEndpoint>(id, cancellationToken)
                ?? new NotificationEndpoint { Id = id, Url = configured.Url, CreatedAt = now, AfterSequence = highWater, Configured = true };
            endpoint.EventTypes = configured.EventTypes;
            endpoint.Disabled = false;
            if (endpoint.Secrets.FirstOrDefault(s => s.ValidUntil is null)?.Value != configured.Secret)
            {
                endpoint.Rotate(configured.Secret, now, settings.RotationOverlap);
            }

            session.Store(endpoint);
        }

        await session.SaveChangesAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
