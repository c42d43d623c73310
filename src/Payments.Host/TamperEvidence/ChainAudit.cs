using System.Globalization;
using System.Text.Json;
using Marten;
using Npgsql;

namespace Payments.Host.TamperEvidence;

public enum ChainFindingKind
{
    /// <summary>The first link of a stream's chain that does not hold: a changed, missing or unchained event.</summary>
    BrokenChain,

    /// <summary>A day root that its events, or the root of the day before, do not give.</summary>
    BrokenRoot,
}

/// <summary>
/// One broken link. <paramref name="Expected"/> is what the verification derived (a recomputed hash, the previous
/// event's hash, the next version, a recomputed root); <paramref name="Found"/> is what the store holds.
/// </summary>
public sealed record ChainFinding(
    ChainFindingKind Kind, Guid? StreamId, string? Day, long? Version, string Detail, string Expected, string Found);

/// <summary>
/// Verifies every stream's chain and every day root from the raw rows (docs/architecture.md, "Tamper-evident log"),
/// independently of Marten's deserialization: what an auditor with the database and the published roots does.
/// </summary>
public static class ChainAudit
{
    public static async Task<IReadOnlyList<ChainFinding>> RunAsync(IDocumentStore store, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        var schema = store.Options.Events.DatabaseSchemaName;
        await using var connection = (NpgsqlConnection)store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellation);
        var findings = new List<ChainFinding>();
        findings.AddRange(await ChainsAsync(connection, schema, cancellation));
        await using (var session = store.QuerySession())
        {
            var roots = await session.Query<DailyRoot>().OrderBy(r => r.Id).ToListAsync(cancellation);
            findings.AddRange(await RootsAsync(connection, schema, roots, cancellation));
        }

        return findings;
    }

    private static async Task<List<ChainFinding>> ChainsAsync(NpgsqlConnection connection, string schema, CancellationToken cancellation)
    {
        var findings = new List<ChainFinding>();
        var versions = new Dictionary<Guid, long>();
        await using (var streams = connection.CreateCommand())
        {
            streams.CommandText = $"select id, version from {schema}.mt_streams where type is not null";
            await using var reader = await streams.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
            {
                versions[reader.GetGuid(0)] = reader.GetInt64(1);
            }
        }

        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            select stream_id, version, id, type, timestamp, causation_id, correlation_id, headers::text, data::text
            from {schema}.mt_events where type <> 'tombstone' order by stream_id, version
            """;
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            Guid? stream = null;
            var seen = new HashSet<Guid>();
            var (next, prev, broken) = (1L, EventHash.Genesis, false);
            while (await reader.ReadAsync(cancellation))
            {
                var id = reader.GetGuid(0);
                if (id != stream)
                {
                    if (stream is { } ended && !broken)
                    {
                        findings.AddRange(Head(ended, next - 1, versions));
                    }

                    seen.Add(id);
                    (stream, next, prev, broken) = (id, 1L, EventHash.Genesis, false);
                }

                if (broken)
                {
                    continue;
                }

                var version = reader.GetInt64(1);
                var finding = Link(reader, id, version, next, prev, out var hash);
                if (finding is not null)
                {
                    findings.Add(finding);
                    broken = true;
                    continue;
                }

                (next, prev) = (version + 1, hash!);
            }

            if (stream is { } last && !broken)
            {
                findings.AddRange(Head(last, next - 1, versions));
            }

            // Streams whose every event is gone.
            findings.AddRange(versions.Keys.Where(s => !seen.Contains(s)).Order().SelectMany(s => Head(s, 0, versions)));
        }

        return findings;
    }

    /// <summary>The stream's row says it has more events than its chain reached: its last events were removed.</summary>
    private static IEnumerable<ChainFinding> Head(Guid stream, long reached, Dictionary<Guid, long> versions)
    {
        if (versions.TryGetValue(stream, out var recorded) && recorded > reached)
        {
            yield return new ChainFinding(ChainFindingKind.BrokenChain, stream, null, reached + 1,
                string.Create(CultureInfo.InvariantCulture, $"event v{reached + 1} is missing: the stream's last event is v{reached}, its stream row says v{recorded}"),
                V(recorded), V(reached));
        }
    }

    private static ChainFinding? Link(NpgsqlDataReader reader, Guid stream, long version, long next, string prev, out string? hash)
    {
        hash = null;
        if (version != next)
        {
            return new ChainFinding(ChainFindingKind.BrokenChain, stream, null, next,
                string.Create(CultureInfo.InvariantCulture, $"event v{next} is missing: v{next - 1} is followed by v{version}"), V(next), V(version));
        }

        using var headers = JsonDocument.Parse(reader.IsDBNull(7) ? "{}" : reader.GetString(7));
        var root = headers.RootElement;
        var storedHash = root.ValueKind == JsonValueKind.Object && root.TryGetProperty(EventHash.HashHeader, out var h) && h.ValueKind == JsonValueKind.String ? h.GetString() : null;
        var storedPrev = root.ValueKind == JsonValueKind.Object && root.TryGetProperty(EventHash.PrevHeader, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
        if (storedHash is null || storedPrev is null)
        {
            return new ChainFinding(ChainFindingKind.BrokenChain, stream, null, version,
                string.Create(CultureInfo.InvariantCulture, $"event v{version} carries no hash"), "hash and prev headers", "none");
        }

        if (storedPrev != prev)
        {
            return new ChainFinding(ChainFindingKind.BrokenChain, stream, null, version,
                string.Create(CultureInfo.InvariantCulture, $"event v{version} does not follow v{version - 1}: its prev is not v{version - 1}'s hash"), prev, storedPrev);
        }

        var computed = EventHash.Compute(new ChainedEvent(
            stream, version, reader.GetGuid(2), reader.GetString(3), new DateTimeOffset(reader.GetDateTime(4), TimeSpan.Zero),
            reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
            EventHash.CanonicalHeaders(root), CanonicalJson.Of(reader.GetString(8))), prev);
        if (computed != storedHash)
        {
            return new ChainFinding(ChainFindingKind.BrokenChain, stream, null, version,
                string.Create(CultureInfo.InvariantCulture, $"event v{version} was changed after it was appended: its content does not give its hash"), computed, storedHash);
        }

        hash = storedHash;
        return null;
    }

    private static async Task<List<ChainFinding>> RootsAsync(
        NpgsqlConnection connection, string schema, IReadOnlyList<DailyRoot> roots, CancellationToken cancellation)
    {
        var findings = new List<ChainFinding>();
        if (roots.Count == 0)
        {
            return findings;
        }

        var stored = roots.ToDictionary(r => DailyRoot.DayOf(r.Id));
        var first = stored.Keys.Min();
        var last = stored.Keys.Max();
        var computed = await DailyRoots.ComputeAsync(connection, schema, first, last,
            (day, _) => stored.TryGetValue(day, out var root) ? root.Previous : EventHash.Genesis, cancellation);
        string? before = null;
        foreach (var (day, root, _) in computed)
        {
            var id = DailyRoot.IdOf(day);
            if (!stored.TryGetValue(day, out var document))
            {
                findings.Add(new ChainFinding(ChainFindingKind.BrokenRoot, null, id, null, $"the root of {id} is missing", root, "none"));
                before = null;
                continue;
            }

            var expectedPrevious = before ?? (day == first ? EventHash.Genesis : null);
            if (expectedPrevious is not null && document.Previous != expectedPrevious)
            {
                findings.Add(new ChainFinding(ChainFindingKind.BrokenRoot, null, id, null,
                    $"the root of {id} does not follow the root of the day before", expectedPrevious, document.Previous));
            }

            if (document.Root != root)
            {
                findings.Add(new ChainFinding(ChainFindingKind.BrokenRoot, null, id, null,
                    $"the root of {id} does not match its events", root, document.Root));
            }

            before = document.Root;
        }

        return findings;
    }

    private static string V(long version) => string.Create(CultureInfo.InvariantCulture, $"version {version}");
}
