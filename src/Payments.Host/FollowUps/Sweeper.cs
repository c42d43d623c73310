using Marten;
using Microsoft.Extensions.Options;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.RateLimits;
using Wolverine;
using Wolverine.Marten;
using Wolverine.Runtime;

namespace Payments.Host.FollowUps;

/// <summary>What one sweep did: whether it ran (another node held the lock otherwise) and how many checks it re-created.</summary>
public sealed record SweepOutcome(bool Ran, int Recreated);

/// <summary>
/// Kill Bill's janitor for our follow-up checks. Every undecided payment or refund relies on one durable scheduled
/// message to ask Checkout.com again; a message deleted, dead-lettered or never enrolled (a crash between a decision
/// and its follow-up) would leave it undecided for ever. A sweep gives each such item a new check, in the transaction
/// that found it missing, one node at a time. See docs/architecture.md, "Follow-up checks and the sweeper".
/// </summary>
public sealed partial class Sweeper(
    IServiceScopeFactory scopes, IWolverineRuntime runtime, TimeProvider time, IOptions<PaymentTimings> timings,
    IOptionsMonitor<SweeperOptions> options, FleetWindows rateLimits, ILogger<Sweeper> logger)
{
    /// <summary>
    /// The first key of the two-key advisory lock (<c>pg_try_advisory_xact_lock(int, int)</c>); the second is the hash
    /// of the schema, so services in different schemas of one database sweep independently. PostgreSQL keeps the
    /// two-key space apart from the one-bigint space that Marten and Wolverine use for their own locks.
    /// </summary>
    public const int LockKey = 0x53574550; // "SWEP"

    public async Task<SweepOutcome> SweepAsync(CancellationToken cancellation = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var outbox = scope.ServiceProvider.GetRequiredService<IMartenOutbox>();
        var session = outbox.Session ?? throw new InvalidOperationException("The Marten outbox has no session to enrol in.");

        // One transaction from the lock to the enrolment, kept short: Marten's async daemon treats an old open
        // transaction as a possible holder of an event-sequence gap. The lock ends with it; a crashed node's lock
        // ends with its connection.
        await session.BeginTransactionAsync(cancellation);
        if (!await TryLockAsync(session, cancellation))
        {
            return new SweepOutcome(false, 0);
        }

        var now = time.GetUtcNow();

        // Merchant Idempotency-Keys past their retention are forgotten anyway (docs/architecture.md, "Idempotency"):
        // the janitor removes their rows too, once, under the same lock.
        session.DeleteWhere<IdempotencyRecord>(r => r.ExpiresAt < now);
        // So are the rate limiter's counts of windows that have ended (docs/architecture.md, "Rate limits").
        rateLimits.ForgetEndedWindows(session, now);
        var settle = options.CurrentValue.SettleTime;
        var expected = (await UndecidedAsync(session, cancellation))
            .SelectMany(p => FollowUpCheck.For(p, timings.Value))
            // Younger than this, its creator may still be waiting for Checkout.com before enrolling the check.
            .Where(check => now - check.Since >= settle)
            .ToList();
        if (expected.Count == 0)
        {
            await session.SaveChangesAsync(cancellation);
            return new SweepOutcome(true, 0);
        }

        var pending = await PendingChecks.ReadAsync(session.Connection!, runtime, logger, cancellation);
        var missing = expected.Where(check => !check.CoveredBy.Any(pending.Contains))
            .Select(check => (Check: check, Due: check.DueBy > now ? check.DueBy : now))
            .ToList();
        foreach (var (check, due) in missing)
        {
            await outbox.ScheduleAsync(check.Message, due);
        }

        // Commits the new envelope rows with the lock still held, then hands them to Wolverine's scheduler.
        await session.SaveChangesAsync(cancellation);
        foreach (var (check, due) in missing)
        {
            Recreated(logger, check.PaymentId, check.Description, due);
        }

        return new SweepOutcome(true, missing.Count);
    }

    private static async Task<bool> TryLockAsync(IDocumentSession session, CancellationToken cancellation)
    {
        var locked = await session.QueryAsync<bool>(
            "select pg_try_advisory_xact_lock(?, hashtext(?))", cancellation, LockKey, session.DocumentStore.Options.DatabaseSchemaName);
        return locked.Single();
    }

    /// <summary>
    /// Payments undecided themselves, with a refund in flight, or decided at Checkout.com without KNET's record yet.
    /// The refund and record halves read each payment's JSON: a scan of the payments table once per interval, on one node.
    /// </summary>
    private static Task<IReadOnlyList<Payment>> UndecidedAsync(IDocumentSession session, CancellationToken cancellation) =>
        session.Query<Payment>()
            .Where(p => p.Status == PaymentStatus.Requested || p.Status == PaymentStatus.Pending || p.Status == PaymentStatus.CapturePending
                || p.Refunds.Any(r => r.Status == RefundStatus.Requested || r.Status == RefundStatus.Pending)
                || (p.Knet == null && p.CheckoutPaymentId != null && p.Status != PaymentStatus.Rejected))
            .ToListAsync(cancellation);

    [LoggerMessage(EventId = 1100, Level = LogLevel.Information,
        Message = "Payment {PaymentId}: no pending check, re-created {Check} due {Due}")]
    private static partial void Recreated(ILogger logger, Guid paymentId, string check, DateTimeOffset due);
}
