using Npgsql;
using Wolverine;
using Wolverine.RDBMS;
using Wolverine.Runtime;
using Wolverine.Runtime.Serialization;
using Wolverine.Util;

namespace Payments.Host.FollowUps;

/// <summary>
/// Which follow-up checks are waiting in Wolverine's durable incoming storage (<c>wolverine_incoming_envelopes</c>):
/// scheduled, or due and not yet handled. A row keeps the whole envelope in <c>body</c>, in Wolverine's binary
/// envelope format around the serialized message, so the row is read back the way Wolverine reads it before running
/// it: <see cref="EnvelopeSerializer"/>, then the runtime's own pipeline picks the serializer for the envelope's
/// content type. Nothing here knows how a message is laid out in JSON, so a serializer setting, a renamed
/// property or an encrypted body cannot make a pending check look missing. See docs/architecture.md, "Follow-up
/// checks and the sweeper".
/// </summary>
public static partial class PendingChecks
{
    public static async Task<HashSet<CheckTarget>> ReadAsync(
        NpgsqlConnection connection, IWolverineRuntime runtime, ILogger logger, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(runtime);
        await using var command = connection.CreateCommand();
        command.CommandText = $"select id, body from {IncomingTable(runtime)} where message_type = any(@types) and status = any(@statuses)";
        // Wolverine's own names: the type alias it writes in message_type, and the statuses of a row not yet handled.
        command.Parameters.AddWithValue("types", CheckTarget.MessageTypes.Select(t => t.ToMessageTypeName()).ToArray());
        command.Parameters.AddWithValue("statuses", new[] { nameof(EnvelopeStatus.Scheduled), nameof(EnvelopeStatus.Incoming) });

        var pending = new HashSet<CheckTarget>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            var id = reader.GetGuid(0);
            var envelope = EnvelopeSerializer.Deserialize(await reader.GetFieldValueAsync<byte[]>(1, cancellation));
            await runtime.Pipeline.TryDeserializeEnvelope(envelope);
            if (CheckTarget.Of(envelope.Message) is { } target)
            {
                pending.Add(target);
            }
            else
            {
                // Wolverine will dead-letter it when it comes due; until then it covers nothing we can name.
                Unreadable(logger, id, envelope.MessageType);
            }
        }

        return pending;
    }

    /// <summary>The incoming table in the schema Wolverine's message store really uses (Marten's, unless configured apart).</summary>
    public static string IncomingTable(IWolverineRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        var database = runtime.Storage as IMessageDatabase ?? throw new InvalidOperationException(
            $"The sweeper reads Wolverine's PostgreSQL message store, not {runtime.Storage.GetType().Name}.");
        return database.DbObjectNameFor(DatabaseConstants.IncomingTable).QualifiedName;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Warning,
        Message = "Stored envelope {EnvelopeId} ({MessageType}) could not be read as a follow-up check")]
    private static partial void Unreadable(ILogger logger, Guid envelopeId, string? messageType);
}
