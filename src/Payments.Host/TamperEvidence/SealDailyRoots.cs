using Marten;
using Npgsql;
using Wolverine;

namespace Payments.Host.TamperEvidence;

/// <summary>Seal every finished day not sealed yet; then come back when the next day has finished.</summary>
public sealed record SealDailyRoots;

/// <summary>
/// The durable daily job (docs/architecture.md, "Tamper-evident log"): a scheduled Wolverine message, so it runs on one
/// node and survives restarts; each run seals every finished day since the last sealed one (a node down for a week
/// catches up in one run) and schedules the next run for just after the coming midnight.
/// </summary>
public static class SealDailyRootsHandler
{
    public static async Task<DeliveryMessage<SealDailyRoots>> Handle(
        SealDailyRoots message, IDocumentSession session, TimeProvider time, CancellationToken cancellation)
    {
        var now = time.GetUtcNow();
        await DailyRootSeal.SealAsync(session, now, cancellation);
        // A delay, not a time: Wolverine's scheduler reads the system clock, the seal reads the host's TimeProvider.
        var next = DailyRoots.SealableAt(DailyRoots.LastSealable(now)) - now;
        return new SealDailyRoots().DelayedFor(next < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : next);
    }
}

public static class DailyRootSeal
{
    /// <summary>
    /// The first key of the two-key advisory lock the seal and the start-up scheduling take (the second is the schema's
    /// hash), as the sweeper does: one node at a time, per schema.
    /// </summary>
    public const int LockKey = 0x524F4F54; // "ROOT"

    /// <summary>
    /// Seals, in the session's transaction and under the lock, every day from the one after the last sealed day (or the
    /// first event's day) to the last finished one. Sealing twice seals nothing new.
    /// </summary>
    public static async Task<IReadOnlyList<DailyRoot>> SealAsync(IDocumentSession session, DateTimeOffset now, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        await session.BeginTransactionAsync(cancellation);
        await LockAsync(session, cancellation);
        var connection = (NpgsqlConnection)session.Connection!;
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        var last = await session.Query<DailyRoot>().OrderByDescending(r => r.Id).FirstOrDefaultAsync(cancellation);
        var from = last is null ? await DailyRoots.FirstDayAsync(connection, schema, cancellation) : DailyRoot.DayOf(last.Id).AddDays(1);
        var to = DailyRoots.LastSealable(now);
        if (from is not { } first || first > to)
        {
            return [];
        }

        var roots = await DailyRoots.ComputeAsync(connection, schema, first, to,
            (_, previous) => previous ?? last?.Root ?? EventHash.Genesis, cancellation);
        var sealedRoots = new List<DailyRoot>();
        var before = last?.Root ?? EventHash.Genesis;
        foreach (var (day, root, events) in roots)
        {
            var document = new DailyRoot { Id = DailyRoot.IdOf(day), Previous = before, Root = root, Events = events, SealedAt = now };
            session.Insert(document);
            sealedRoots.Add(document);
            before = root;
        }

        return sealedRoots;
    }

    public static async Task LockAsync(IDocumentSession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        await session.QueryAsync<bool>("select true from (select pg_advisory_xact_lock(?, hashtext(?))) locked", cancellation,
            LockKey, session.DocumentStore.Options.DatabaseSchemaName);
    }
}
