using System.Diagnostics.Metrics;
using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Webhooks;

namespace Payments.Host.Telemetry;

/// <summary>What waits for the service or for a person, counted across the whole fleet at one instant.</summary>
public sealed record Backlog(
    long UndecidedPayments, long UndecidedRefunds, long AwaitingReview, long ParkedWebhooks, long DeadLetters, DateTimeOffset At);

/// <summary>
/// The gauges' numbers. A reader (OTLP's periodic export, a Prometheus scrape) asks synchronously, and a gauge callback
/// must not wait on the database: it answers the last count and, when that is older than
/// <see cref="TelemetryOptions.BacklogRefresh"/>, starts one new count in the background. Nothing is counted while
/// nobody reads. The counts are the fleet's, not the node's: every node reports the same numbers, so a dashboard takes
/// their maximum, not their sum (docs/architecture.md, "Telemetry").
/// </summary>
public sealed partial class PaymentsBacklog
{
    private readonly IDocumentStore _store;
    private readonly TimeProvider _time;
    private readonly IOptions<TelemetryOptions> _options;
    private readonly ILogger<PaymentsBacklog> _logger;
    private readonly Lock _gate = new();
    private Backlog? _last;
    private Task? _counting;

    /// <summary>
    /// Registers the gauges on the <c>Payments</c> meter. Built by the meter provider (it is the gauges'
    /// instrumentation), not by the store: the store's listener feeds <see cref="PaymentsMetrics"/>, and this reads the
    /// store.
    /// </summary>
    public PaymentsBacklog(
        IDocumentStore store, TimeProvider time, IOptions<TelemetryOptions> options, IMeterFactory meters, ILogger<PaymentsBacklog> logger)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _store = store;
        _time = time;
        _options = options;
        _logger = logger;
        // The factory hands every caller the same meter for a name and disposes it with the host: never dispose it here.
        var meter = meters.Create(PaymentsMetrics.MeterName);
        meter.CreateObservableGauge("payments.undecided", Undecided, "{item}",
            "Payments and refunds whose outcome is not yet known (payments.kind = payment or refund).");
        meter.CreateObservableGauge("payments.review.open", () => One(b => b.AwaitingReview), "{payment}",
            "Payments flagged for review, waiting for an operator.");
        meter.CreateObservableGauge("payments.webhooks.parked", () => One(b => b.ParkedWebhooks), "{webhook}",
            "Webhooks that matched no payment after every look, waiting for an operator to replay them.");
        meter.CreateObservableGauge("payments.dead_letters", () => One(b => b.DeadLetters), "{message}",
            "Messages Wolverine moved to its dead letters: failures retrying could not fix.");
    }

    /// <summary>The last count, if any; starts a new one when it is stale and none is running.</summary>
    public Backlog? Current
    {
        get
        {
            lock (_gate)
            {
                var stale = _last is null || _time.GetUtcNow() - _last.At >= _options.Value.BacklogRefresh;
                if (stale && _counting is not { IsCompleted: false })
                {
                    _counting = Task.Run(CountAsync);
                }

                return _last;
            }
        }
    }

    public IEnumerable<Measurement<long>> Undecided() => Current is { } b
        ? [new(b.UndecidedPayments, new KeyValuePair<string, object?>("payments.kind", "payment")),
           new(b.UndecidedRefunds, new KeyValuePair<string, object?>("payments.kind", "refund"))]
        : [];

    public IEnumerable<Measurement<long>> One(Func<Backlog, long> value) => Current is { } b ? [new(value(b))] : [];

    /// <summary>Counts now and keeps the answer; a database failure keeps the previous answer and is logged.</summary>
    public async Task<Backlog?> CountAsync()
    {
        try
        {
            var at = _time.GetUtcNow();
            await using var session = _store.QuerySession();
            var payments = _store.Options.Schema.For<Payment>();
            var webhooks = _store.Options.Schema.For<CheckoutWebhook>();
            var counted = await session.QueryAsync<long>($"""
                select unnest(array[
                  (select count(*) from {payments} where status in ('Requested', 'Pending', 'CapturePending')),
                  (select count(*) from {payments} p, jsonb_array_elements(p.data -> 'Refunds') r
                    where r ->> 'Status' in ('Requested', 'Pending')),
                  (select count(*) from {payments} where jsonb_array_length(data -> 'ReviewFlags') > 0),
                  (select count(*) from {webhooks} where data ->> 'Processing' = 'Parked'),
                  (select count(*) from {_store.Options.DatabaseSchemaName}.wolverine_dead_letters)])
                """);
            var backlog = new Backlog(counted[0], counted[1], counted[2], counted[3], counted[4], at);
            lock (_gate)
            {
                _last = backlog;
            }

            return backlog;
        }
        catch (Exception e) when (EventStore.DatabaseFaults.IsTransient(e))
        {
            CountFailed(_logger, e.GetType().Name);
            return null;
        }
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Warning, Message = "Counting the backlog for the gauges failed ({Kind}); the next collection tries again")]
    private static partial void CountFailed(ILogger logger, string kind);
}
