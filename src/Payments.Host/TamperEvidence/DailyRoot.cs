using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Payments.Host.TamperEvidence;

/// <summary>
/// The root of one UTC day (docs/architecture.md, "Tamper-evident log"): what to publish or anchor outside the
/// database. It covers every event whose timestamp falls in the day, by sequence, and the root of the day before.
/// </summary>
public sealed class DailyRoot
{
    /// <summary>The day, <c>yyyy-MM-dd</c> (UTC).</summary>
    public string Id { get; set; } = "";

    /// <summary>The root of the day before (<see cref="EventHash.Genesis"/> for the first sealed day).</summary>
    public string Previous { get; set; } = "";

    public string Root { get; set; } = "";
    public long Events { get; set; }
    public DateTimeOffset SealedAt { get; set; }

    public static string IdOf(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
    public static DateOnly DayOf(string id) => DateOnly.ParseExact(id, "yyyy-MM-dd", CultureInfo.InvariantCulture);
}

/// <summary>
/// Computes day roots from <c>mt_events</c>. The root of day D is the lower-case hex SHA-256 of the UTF-8 text
/// <c>"knet-payments/day/1 {D} {root of D-1}\n"</c> followed by one line <c>"{seq_id} {stream_id} {version} {hash}\n"</c>
/// per event whose timestamp is in D (UTC), in <c>seq_id</c> order, where hash is the event's <c>hash</c> header
/// (<c>-</c> when it has none); Marten's tombstones (type <c>tombstone</c>, written in place of a failed append) are
/// not events of ours and are left out. An auditor recomputes it with psql and sha256sum.
/// </summary>
public static class DailyRoots
{
    public const string Version1 = "knet-payments/day/1";

    /// <summary>
    /// A day is sealed this long after it ends: an append whose transaction began before midnight commits with the
    /// timestamp of the day before, and must be in before that day is sealed.
    /// </summary>
    public static readonly TimeSpan SealDelay = TimeSpan.FromMinutes(5);

    /// <summary>The last day that may be sealed at <paramref name="now"/>.</summary>
    public static DateOnly LastSealable(DateTimeOffset now) => DateOnly.FromDateTime((now - SealDelay).UtcDateTime).AddDays(-1);

    /// <summary>When the day after <paramref name="day"/> may be sealed.</summary>
    public static DateTimeOffset SealableAt(DateOnly day) => new DateTimeOffset(day.AddDays(2).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + SealDelay;

    /// <summary>The day of the first event in the store, if any.</summary>
    public static async Task<DateOnly?> FirstDayAsync(NpgsqlConnection connection, string schema, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = $"select min(timestamp) from {schema}.mt_events where type <> 'tombstone'";
        return await command.ExecuteScalarAsync(cancellation) is DateTime first ? DateOnly.FromDateTime(first.ToUniversalTime()) : null;
    }

    /// <summary>
    /// The roots of the days <paramref name="from"/> to <paramref name="to"/>, each over its own events, in one pass
    /// over them. <paramref name="previousOf"/> gives the previous root each day is chained to: when sealing, the root
    /// just computed; when auditing, the one the stored root names (so a changed day is named alone).
    /// </summary>
    public static async Task<IReadOnlyList<(DateOnly Day, string Root, long Events)>> ComputeAsync(
        NpgsqlConnection connection, string schema, DateOnly from, DateOnly to, Func<DateOnly, string?, string> previousOf,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(previousOf);
        var roots = new List<(DateOnly, string, long)>();
        if (to < from)
        {
            return roots;
        }

        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            select (timestamp at time zone 'UTC')::date, seq_id, stream_id, version, coalesce(headers ->> '{EventHash.HashHeader}', '-')
            from {schema}.mt_events
            where type <> 'tombstone' and timestamp >= @from and timestamp < @to
            order by 1, seq_id
            """;
        command.Parameters.AddWithValue("from", new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        command.Parameters.AddWithValue("to", new DateTimeOffset(to.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
        await using var reader = await command.ExecuteReaderAsync(cancellation);

        var day = from;
        string? previous = null;
        var hash = Start(day, previousOf(day, previous));
        long count = 0;
        while (await reader.ReadAsync(cancellation))
        {
            var eventDay = DateOnly.FromDateTime(reader.GetDateTime(0));
            while (day < eventDay)
            {
                previous = Finish(roots, day, hash, count);
                day = day.AddDays(1);
                hash = Start(day, previousOf(day, previous));
                count = 0;
            }

            hash.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
                $"{reader.GetInt64(1)} {reader.GetGuid(2):D} {reader.GetInt64(3)} {reader.GetString(4)}\n")));
            count++;
        }

        while (true)
        {
            previous = Finish(roots, day, hash, count);
            if (day == to)
            {
                break;
            }

            day = day.AddDays(1);
            hash = Start(day, previousOf(day, previous));
            count = 0;
        }

        return roots;
    }

    private static IncrementalHash Start(DateOnly day, string previous)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{Version1} {DailyRoot.IdOf(day)} {previous}\n"));
        return hash;
    }

    private static string Finish(List<(DateOnly, string, long)> roots, DateOnly day, IncrementalHash hash, long count)
    {
        var root = Convert.ToHexStringLower(hash.GetHashAndReset());
        hash.Dispose();
        roots.Add((day, root, count));
        return root;
    }
}
