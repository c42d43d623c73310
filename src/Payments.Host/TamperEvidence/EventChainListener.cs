using System.Globalization;
using System.Text.Json;
using JasperFx.Events;
using Marten;

namespace Payments.Host.TamperEvidence;

/// <summary>
/// Chains every appended event to the one before it in its stream, in every path that appends (handlers, endpoints,
/// operator actions, the sweeper, tests): Marten calls it in each session's <c>SaveChangesAsync</c>, after the events
/// have their ids, types, timestamps and metadata and before anything is written. The previous hash is read from the
/// committed head of the stream in the same round trip for all streams of the session, never from a cache, and the
/// append is pinned to that head's version: a writer that lost a race to the stream fails on the version as Marten's own
/// optimistic check does (<see cref="EventStreamUnexpectedMaxEventIdException"/>, retried by the handlers' policy), so two
/// events can never claim the same predecessor. See docs/architecture.md, "Tamper-evident log".
/// </summary>
public sealed class EventChainListener : DocumentSessionListenerBase
{
    public override async Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(session);
        var streams = session.PendingChanges.Streams().Where(s => s.Events.Count > 0).ToList();
        if (streams.Count == 0)
        {
            return;
        }

        var appended = streams.Where(s => s.ActionType == StreamActionType.Append).Select(s => s.Id).ToArray();
        var heads = appended.Length == 0
            ? new Dictionary<Guid, (long Version, string? Hash)>()
            : await HeadsAsync(session, appended, token);
        var serializer = session.DocumentStore.Options.Serializer();
        foreach (var stream in streams)
        {
            var (version, prev) = (0L, EventHash.Genesis);
            if (stream.ActionType == StreamActionType.Append && heads.TryGetValue(stream.Id, out var head))
            {
                if (stream.ExpectedVersionOnServer is { } expected && expected != head.Version)
                {
                    throw new EventStreamUnexpectedMaxEventIdException(stream.Id, stream.AggregateType, expected, head.Version);
                }

                // A plain Append lets PostgreSQL number the events; pinned here, it numbers them as they were hashed.
                stream.ExpectedVersionOnServer = head.Version;
                (version, prev) = (head.Version, head.Hash ?? EventHash.Genesis);
            }

            foreach (var e in stream.Events)
            {
                e.Version = ++version;
                using var headers = JsonDocument.Parse(serializer.ToJson(e.Headers ?? new Dictionary<string, object>()));
                var hash = EventHash.Compute(new ChainedEvent(
                    stream.Id, e.Version, e.Id, e.EventTypeName, e.Timestamp, e.CausationId, e.CorrelationId,
                    EventHash.CanonicalHeaders(headers.RootElement), CanonicalJson.Of(serializer.ToJson(e.Data))), prev);
                e.SetHeader(EventHash.PrevHeader, prev);
                e.SetHeader(EventHash.HashHeader, hash);
                prev = hash;
            }
        }
    }

    /// <summary>Each stream's committed version and the hash of the event at that version (none when it is missing).</summary>
    private static async Task<Dictionary<Guid, (long Version, string? Hash)>> HeadsAsync(
        IDocumentSession session, Guid[] ids, CancellationToken token)
    {
        var schema = session.DocumentStore.Options.Events.DatabaseSchemaName;
        // One text column: Marten's multi-column raw queries read each column as a JSON document.
        var rows = await session.AdvancedSql.QueryAsync<string>(
            $"""
             select s.id || ' ' || s.version || ' ' || coalesce(e.headers ->> '{EventHash.HashHeader}', '')
             from {schema}.mt_streams s
             left join {schema}.mt_events e on e.stream_id = s.id and e.version = s.version
             where s.id = any(?)
             """, token, ids);
        return rows.Select(r => r.Split(' ')).ToDictionary(
            r => Guid.Parse(r[0]), r => (long.Parse(r[1], CultureInfo.InvariantCulture), r[2].Length == 0 ? null : r[2]));
    }
}
