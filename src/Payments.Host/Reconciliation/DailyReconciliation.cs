using Marten;
using JasperFx;
using Microsoft.Extensions.Options;
using Payments.Host.Checkout;
using Payments.Host.Configuration;
using Payments.Host.Payments;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Marten;
using Wolverine.Runtime.Handlers;

namespace Payments.Host.Reconciliation;

/// <summary>Reconcile <paramref name="Day"/>: the daily job, a stored Wolverine message due at <c>Reconciliation:RunAt</c> the next day.</summary>
public sealed record RunDailyReconciliation(DateOnly Day, int Attempt = 0);

/// <summary>
/// The guard that makes the daily job exist once for the fleet: one document per scheduled day, inserted in the same
/// transaction as the scheduled message. A second node inserting the same day fails and schedules nothing.
/// </summary>
public sealed class ReconciliationSchedule
{
    public string Id { get; set; } = "";
    public DateOnly Day { get; set; }
    public DateTimeOffset DueAt { get; set; }
}

public static partial class RunDailyReconciliationHandler
{
    /// <summary>A node starting just as the job schedules the same next day: the job's retry finds the guard and goes on.</summary>
    public static void Configure(HandlerChain chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        chain.OnException<DocumentAlreadyExistsException>().RetryTimes(3);
    }

    public static async Task<OutgoingMessages> Handle(
        RunDailyReconciliation message, IDocumentSession session, CheckoutClient checkout, IOptions<ReconciliationOptions> options,
        TimeProvider time, ILogger<RunDailyReconciliation> logger, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(options);
        var outgoing = new OutgoingMessages();
        // Switched off: a day already scheduled still runs, and schedules no next one.
        if (message.Attempt == 0 && options.Value.Enabled)
        {
            // The next day is scheduled whatever this one comes to, in this transaction.
            var (next, due) = (message.Day.AddDays(1), DailyReconciliation.DueAt(message.Day.AddDays(1), options.Value.RunAt));
            if (await session.LoadAsync<ReconciliationSchedule>(DailyReconciliation.ScheduleId(next), cancellation) is null)
            {
                session.Insert(new ReconciliationSchedule { Id = DailyReconciliation.ScheduleId(next), Day = next, DueAt = due });
                outgoing.Schedule(new RunDailyReconciliation(next), due);
            }
        }

        var outcome = await ReconcileDay.RunAsync(message.Day, Causes.Scheduled(nameof(RunDailyReconciliation), message.Attempt),
            session, checkout, options.Value, time.GetUtcNow(), cancellation);
        if (outcome.CheckoutUnavailable || outcome.Document.ReportId is null)
        {
            if (message.Attempt + 1 < options.Value.MaxAttempts)
            {
                outgoing.Delay(message with { Attempt = message.Attempt + 1 }, options.Value.RetryAfter);
            }

            NotRead(logger, message.Day, message.Attempt + 1, outcome.Document.Error ?? "");
        }
        else
        {
            var discrepancies = outcome.Document.Discrepancies().Count;
            Reconciled(logger, message.Day, discrepancies);
        }

        return outgoing;
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Settlement day {Day} reconciled: {Discrepancies} discrepancies")]
    private static partial void Reconciled(ILogger logger, DateOnly day, int discrepancies);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Settlement day {Day}: the report could not be read (attempt {Attempt}): {Reason}")]
    private static partial void NotRead(ILogger logger, DateOnly day, int attempt, string reason);
}

public static class DailyReconciliation
{
    public static string ScheduleId(DateOnly day) => $"daily:{ReconcileDay.Id(day)}";

    /// <summary>A day is reconciled at <paramref name="runAt"/> UTC the day after.</summary>
    public static DateTimeOffset DueAt(DateOnly day, TimeSpan runAt) =>
        new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + runAt;

    /// <summary>The first day whose job is still ahead at <paramref name="now"/>.</summary>
    public static DateOnly NextDay(DateTimeOffset now, TimeSpan runAt)
    {
        var day = DateOnly.FromDateTime(now.UtcDateTime).AddDays(-1);
        return DueAt(day, runAt) > now ? day : day.AddDays(1);
    }

    /// <summary>Key of the transaction-scoped advisory lock the start-up check takes (with the schema's hash).</summary>
    public const int LockKey = 0x5245434e; // "RECN"

    /// <summary>
    /// Makes sure the next day's job is scheduled: under a transaction-scoped advisory lock and the guard document, so
    /// nodes starting at once wait their turn and only the first schedules it (no failed insert, no error logged). True
    /// when this call scheduled it.
    /// </summary>
    public static async Task<bool> EnsureScheduledAsync(IServiceProvider services, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.GetRequiredService<IOptions<ReconciliationOptions>>().Value;
        var day = NextDay(services.GetRequiredService<TimeProvider>().GetUtcNow(), options.RunAt);
        await using var scope = services.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<IMartenOutbox>();
        var session = outbox.Session ?? throw new InvalidOperationException("The Marten outbox has no session to enrol in.");
        // Nothing but this check happens in the transaction: it is held for milliseconds, never across a call out.
        await session.BeginTransactionAsync(cancellation);
        await session.QueryAsync<int>("select 1 from pg_advisory_xact_lock(?, hashtext(?))", cancellation,
            LockKey, session.DocumentStore.Options.DatabaseSchemaName);
        if (await session.LoadAsync<ReconciliationSchedule>(ScheduleId(day), cancellation) is not null)
        {
            await session.SaveChangesAsync(cancellation);
            return false;
        }

        var due = DueAt(day, options.RunAt);
        session.Insert(new ReconciliationSchedule { Id = ScheduleId(day), Day = day, DueAt = due });
        await outbox.ScheduleAsync(new RunDailyReconciliation(day), due);
        try
        {
            await session.SaveChangesAsync(cancellation);
            return true;
        }
        catch (DocumentAlreadyExistsException)
        {
            // The job itself inserted the same day's guard (it runs as this node starts): its message is the one.
            return false;
        }
    }
}

/// <summary>At start-up, schedules the next day's job unless a node already did (<see cref="ReconciliationSchedule"/>).</summary>
public sealed partial class DailyReconciliationStarter(
    IServiceProvider services, IOptions<ReconciliationOptions> options, ILogger<DailyReconciliationStarter> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        try
        {
            await DailyReconciliation.EnsureScheduledAsync(services, cancellationToken);
        }
#pragma warning disable CA1031 // The database may be away at start: the next start, or the job itself, schedules the day.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            NotScheduled(logger, e);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "The daily reconciliation could not be scheduled at start; the next start tries again")]
    private static partial void NotScheduled(ILogger logger, Exception exception);
}

public static class ReconciliationSetup
{
    public static IServiceCollection AddReconciliation(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<ReconciliationOptions, ReconciliationOptionsValidation>(configuration, ReconciliationOptions.Section);
        services.ConfigureMarten(opts =>
        {
            // Created with every other table at start-up, never inside a request.
            opts.Schema.For<SettlementReconciliation>().Duplicate(x => x.Date);
            opts.Schema.For<ReconciliationSchedule>();
        });
        services.AddHostedService<DailyReconciliationStarter>();
        return services;
    }
}
