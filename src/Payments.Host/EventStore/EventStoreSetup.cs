using JasperFx;
using JasperFx.Events.Projections;
using Marten;
using Payments.Domain;
using Payments.Host.Configuration;
using Weasel.Core;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;

namespace Payments.Host.EventStore;

public static class EventStoreSetup
{
    /// <summary>The default schema; <c>EventStore:Schema</c> overrides it (Wolverine's tables follow).</summary>
    public const string Schema = "payments";
    public const string ConnectionStringName = "Payments";

    /// <summary>
    /// Marten as the event store (schema <c>payments</c>, Wolverine's inbox/outbox beside it) and Wolverine with
    /// transactional handlers and durable local queues. Every state change is an event on a payment's stream.
    /// </summary>
    public static WebApplicationBuilder AddPaymentsEventStore(this WebApplicationBuilder builder)
    {
        // Marten and Wolverine are configured here, from values read before the container exists; they are checked at
        // start with every other section (StartupSettings).
        var store = builder.AddOptionsReadBeforeStart<EventStoreOptions, EventStoreOptionsValidation>(EventStoreOptions.Section,
            (options, configuration) => options.ConnectionString = configuration.GetConnectionString(ConnectionStringName) ?? "");
        var fleet = builder.AddOptionsReadBeforeStart<FleetOptions, FleetOptionsValidation>(FleetOptions.Section);
        var webhooks = builder.AddOptionsReadBeforeStart<WebhookProcessingOptions, WebhookProcessingOptionsValidation>(WebhookProcessingOptions.Section);
        var schema = store.Schema;
        builder.Services.AddMarten(opts =>
            {
                opts.Connection(store.ConnectionString);
                opts.DatabaseSchemaName = schema;
                opts.UseSystemTextJsonForSerialization(EnumStorage.AsString);
                opts.Events.UseMandatoryStreamTypeDeclaration = true;
                opts.Events.MetadataConfig.CausationIdEnabled = true;
                opts.Events.MetadataConfig.CorrelationIdEnabled = true;
                opts.Events.MetadataConfig.HeadersEnabled = true;

                // The snapshot is the domain's own fold; its Version is Marten's stream version, mapped to the revision
                // column (docs/architecture.md, "Projections").
                opts.Projections.Add<PaymentProjection>(ProjectionLifecycle.Inline);
                opts.Projections.Add<BackOffice.DailyTotalsProjection>(ProjectionLifecycle.Async);
                opts.Projections.Add<BackOffice.AttentionProjection>(ProjectionLifecycle.Async);
                // The back office filters and pages on these: real, indexed columns beside the JSON (GET /payments).
                opts.Schema.For<Payment>()
                    .UseNumericRevisions(true)
                    .Metadata(m => m.Revision.MapTo(x => x.Version))
                    .Duplicate(x => x.Status, pgType: "varchar(20)")
                    .Duplicate(x => x.RequestedAt)
                    .Duplicate(x => x.Reference!)
                    .Duplicate(x => x.Amount)
                    .Duplicate(x => x.CheckoutPaymentId!)
                    .Duplicate(x => x.Request.CustomerEmail!);

                // A retry taking over a released key must not race another retry doing the same.
                opts.Schema.For<Payments.IdempotencyRecord>().UseOptimisticConcurrency(true);
                Webhooks.WebhookReceipts.AddTo(opts, schema);
                Notifications.NotificationSetup.AddTo(opts);
                TamperEvidence.TamperEvidenceSetup.AddTo(opts);
            })
            // Several hosts share the database: Wolverine's leader spreads each async projection over the nodes, one
            // node per projection, and moves it when its node dies (docs/architecture.md, "A fleet").
            .IntegrateWithWolverine(integration =>
            {
                integration.UseWolverineManagedEventSubscriptionDistribution = store.AsyncProjections;
                // Events go to their handlers through the outbox of the transaction that appends them: the
                // notifications to the merchant exist exactly when their events do (docs/architecture.md, "Notifications").
                integration.UseFastEventForwarding = true;
            })
            // Every table exists before the first request: no schema change is ever attempted in the middle of a
            // request, where a database fault would turn it into a failed migration.
            .ApplyAllDatabaseChangesOnStartup();

        builder.Host.UseWolverine(opts =>
        {
            opts.ApplicationAssembly = typeof(EventStoreSetup).Assembly;
            opts.Policies.AutoApplyTransactions();
            opts.Policies.UseDurableLocalQueues();
            opts.Durability.ScheduledJobPollingTime = store.SchedulerPolling;

            // Any number of hosts with this configuration form one fleet: a leader elected by a PostgreSQL advisory
            // lock assigns the durability agent (recovery of a dead node's messages, scheduled checks) and each async
            // projection to exactly one node, and moves them when a node stops answering.
            opts.Durability.Mode = DurabilityMode.Balanced;
            opts.Durability.HealthCheckPollingTime = fleet.HealthCheckPollingTime;
            opts.Durability.StaleNodeTimeout = fleet.StaleNodeTimeout;
            opts.Durability.CheckAssignmentPeriod = fleet.CheckAssignmentPeriod;

            // Typed HttpClients are registered through a factory lambda, which Wolverine 6 refuses to inline.
            opts.CodeGeneration.AlwaysUseServiceLocationFor<Checkout.CheckoutClient>();

            // Webhooks in order per payment, in parallel across payments: a payment's messages go to one of N durable
            // local queues by a hash of Checkout.com's payment id, and within a queue one payment's messages run one
            // at a time while others run beside them. Across nodes and crashes the order comes from the handler,
            // which applies a payment's waiting webhooks in receipt order under its row lock
            // (docs/architecture.md, "Webhooks in order").
            opts.MessagePartitioning
                .ByMessage<Webhooks.ProcessCheckoutWebhook>(m => m.CheckoutPaymentId ?? m.EventId)
                .PublishToPartitionedLocalMessaging("checkout-webhooks", webhooks.Queues, topology =>
                {
                    topology.Message<Webhooks.ProcessCheckoutWebhook>();
                    topology.MaxDegreeOfParallelism = webhooks.Slots;
                });

            Notifications.NotificationSetup.AddTo(opts);

            // Two writers decided on the same version: the loser decides again on the new state. Each retry re-reads,
            // so a conflict cannot repeat for ever; past the inline tries the message waits its turn instead of dying.
            opts.Policies.OnException<ConcurrencyException>()
                .RetryWithCooldown(
                    TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(25),
                    TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200),
                    TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800))
                .WithFullJitter()
                .Then.ScheduleRetryIndefinitely(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));

            // Our own database away for a moment (restart, terminated connections, pool exhausted): retried with
            // growing waits for longer than a one-minute outage, then every five minutes, never dead-lettered.
            // Only a failure retrying cannot fix reaches the dead letters (docs/architecture.md, "Faults").
            opts.Policies.OnException(DatabaseFaults.IsTransient, "transient PostgreSQL failure")
                .RetryWithCooldown(
                    TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500),
                    TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2))
                .WithFullJitter()
                .Then.ScheduleRetryIndefinitely(
                    TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(60),
                    TimeSpan.FromMinutes(5));
        });

        return builder;
    }
}
