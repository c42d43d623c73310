using Marten;
using Npgsql;
using Payments.Host.EventStore;
using Payments.Host.FollowUps;
using Wolverine;
using Wolverine.Marten;
using Wolverine.Runtime;
using Wolverine.Util;

namespace Payments.Host.TamperEvidence;

/// <summary>
/// Every node, at start and then every hour, makes sure one <see cref="SealDailyRoots"/> is waiting in Wolverine's
/// durable storage, and enrols one to run now when none is: under the seal's advisory lock and in the transaction that
/// enrols it, so three nodes starting at once leave exactly one, and a run lost to a dead letter comes back within the
/// hour. A failure (the database away at start) is logged and tried again at the next round; it never stops the host.
/// </summary>
public sealed partial class DailyRootSchedule(
    IServiceScopeFactory scopes, IWolverineRuntime runtime, TimeProvider time, ILogger<DailyRootSchedule> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    await EnsureScheduledAsync(stoppingToken);
                }
#pragma warning disable CA1031 // A failed round must not stop the next one, which reads the table again.
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
#pragma warning restore CA1031
                {
                    Failed(logger, e, DatabaseFaults.IsTransient(e) ? "database unavailable" : "unexpected failure");
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: not a failure of the service.
        }
    }

    /// <summary>True when this call enrolled the run.</summary>
    public async Task<bool> EnsureScheduledAsync(CancellationToken cancellation)
    {
        await using var scope = scopes.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<IMartenOutbox>();
        var session = outbox.Session ?? throw new InvalidOperationException("The Marten outbox has no session to enrol in.");
        await session.BeginTransactionAsync(cancellation);
        await DailyRootSeal.LockAsync(session, cancellation);

        await using var command = ((NpgsqlConnection)session.Connection!).CreateCommand();
        command.CommandText = $"select count(*) from {PendingChecks.IncomingTable(runtime)} where message_type = @type and status = any(@statuses)";
        command.Parameters.AddWithValue("type", typeof(SealDailyRoots).ToMessageTypeName());
        command.Parameters.AddWithValue("statuses", new[] { nameof(EnvelopeStatus.Scheduled), nameof(EnvelopeStatus.Incoming) });
        var waiting = (long)(await command.ExecuteScalarAsync(cancellation))!;
        if (waiting == 0)
        {
            await outbox.SendAsync(new SealDailyRoots());
        }

        await session.SaveChangesAsync(cancellation);
        return waiting == 0;
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Could not make sure the daily root job is scheduled ({Kind}); the next round tries again")]
    private static partial void Failed(ILogger logger, Exception exception, string kind);
}
