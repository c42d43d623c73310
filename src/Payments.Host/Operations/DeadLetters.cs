using Marten;
using Payments.Host.Payments;
using Wolverine.Http;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;

namespace Payments.Host.Operations;

/// <summary>A message that failed in a way retrying cannot fix, as an operator sees it (no message body: it may hold customer data).</summary>
public sealed record DeadLetter(
    Guid Id, string MessageType, string ExceptionType, string ExceptionMessage, DateTimeOffset SentAt, bool ReplayRequested,
    IReadOnlyList<DeadLetterReplay> Replays);

/// <summary>Who asked for a dead letter to be replayed, and when: kept for the audit trail, even after the replay.</summary>
public sealed class DeadLetterReplay
{
    public Guid Id { get; set; }
    public Guid DeadLetterId { get; set; }
    public string MessageType { get; set; } = "";
    public string Principal { get; set; } = "";
    public DateTimeOffset At { get; set; }
}

/// <summary>
/// Dead letters are never silent (docs/architecture.md, "Faults"): Wolverine's durable dead-letter storage is listed
/// in <c>GET /operations/attention</c> and an operator replays one with
/// <c>POST /operations/dead-letters/{id}/replay</c>.
/// </summary>
public static class DeadLetters
{
    public const int Listed = 200;

    public static async Task<IReadOnlyList<DeadLetter>> ListAsync(IMessageStore messages, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(session);
        var found = await messages.DeadLetters.QueryAsync(new DeadLetterEnvelopeQuery { PageSize = Listed }, cancellation);
        var ids = found.Envelopes.Select(e => e.Id).ToArray();
        var replays = ids.Length == 0 ? [] : await session.Query<DeadLetterReplay>()
            .Where(r => r.DeadLetterId.IsOneOf(ids)).OrderBy(r => r.At).ToListAsync(cancellation);
        return [.. found.Envelopes.OrderBy(e => e.SentAt).Select(e => new DeadLetter(
            e.Id, e.MessageType, e.ExceptionType, e.ExceptionMessage, e.SentAt, e.Replayable,
            [.. replays.Where(r => r.DeadLetterId == e.Id)]))];
    }
}

/// <summary>What asking for a dead letter's replay found.</summary>
public enum DeadLetterReplayAnswer
{
    Requested,
    NotFound,
    AlreadyRequested,
}

public static class ReplayDeadLetter
{
    /// <summary>
    /// Marks one dead letter replayable (Wolverine's durability agent moves it back to the inbox) and records who
    /// asked, in one transaction: 202, or 404 <c>dead_letter_not_found</c>, 409 <c>dead_letter_replay_requested</c>.
    /// </summary>
    [WolverinePost("/operations/dead-letters/{id}/replay")]
    public static async Task<IResult> Post(
        string id, HttpContext context, IDocumentStore store, IMessageStore messages, TimeProvider time, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var letterId = Guid.TryParse(id, out var parsed) ? parsed : Guid.Empty;
        return await ReplayAsync(letterId, context.User.Identity?.Name ?? "anonymous", store, messages, time, cancellation) switch
        {
            DeadLetterReplayAnswer.NotFound =>
                Problems.Of(StatusCodes.Status404NotFound, "dead_letter_not_found", "Dead letter not found", $"No dead letter {id}."),
            DeadLetterReplayAnswer.AlreadyRequested => Problems.Of(StatusCodes.Status409Conflict, "dead_letter_replay_requested",
                "A replay of this dead letter is already requested", "Wolverine's durability agent moves it to the inbox shortly."),
            _ => Results.Accepted($"/operations/attention", new { replayed = letterId }),
        };
    }

    /// <summary>The replay itself, recorded with <paramref name="principal"/> (the key name); shared by the API and the console.</summary>
    public static async Task<DeadLetterReplayAnswer> ReplayAsync(
        Guid letterId, string principal, IDocumentStore store, IMessageStore messages, TimeProvider time, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(time);
        if (letterId == Guid.Empty || await messages.DeadLetters.DeadLetterEnvelopeByIdAsync(letterId) is not { } letter)
        {
            return DeadLetterReplayAnswer.NotFound;
        }

        if (letter.Replayable)
        {
            return DeadLetterReplayAnswer.AlreadyRequested;
        }

        await using var session = store.LightweightSession();
        session.Store(new DeadLetterReplay
        {
            Id = Guid.CreateVersion7(), DeadLetterId = letterId, MessageType = letter.MessageType,
            Principal = principal, At = time.GetUtcNow(),
        });

        // Wolverine's documented way to replay: the replayable flag, read by its durability agent.
        session.QueueSqlCommand(
            $"update {store.Options.DatabaseSchemaName}.wolverine_dead_letters set replayable = true where id = ?", letterId);
        await session.SaveChangesAsync(cancellation);
        return DeadLetterReplayAnswer.Requested;
    }
}
