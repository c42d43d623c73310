using Npgsql;

namespace Payments.Bench.Infrastructure;

/// <summary>The bench's own look at PostgreSQL: resetting the bench schema and reading what the hosts stored.</summary>
internal sealed class BenchDatabase(string connectionString) : IAsyncDisposable
{
    private readonly NpgsqlDataSource source = NpgsqlDataSource.Create(connectionString);
    private static readonly string Webhooks = $"{BenchOptions.Schema}.mt_doc_checkoutwebhook";

    /// <summary>Every figure starts from an empty schema, so runs never accumulate.</summary>
    public async Task ResetSchemaAsync(CancellationToken cancellation)
    {
        await using var command = source.CreateCommand($"drop schema if exists {BenchOptions.Schema} cascade");
        await command.ExecuteNonQueryAsync(cancellation);
    }

    public async Task<string> ServerVersionAsync(CancellationToken cancellation)
    {
        await using var command = source.CreateCommand("show server_version");
        return (string)(await command.ExecuteScalarAsync(cancellation))!;
    }

    public async Task ExecuteAsync(string sql, CancellationToken cancellation)
    {
        await using var command = source.CreateCommand(sql);
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync(cancellation);
    }

    /// <summary>Webhooks whose processing finished inside [from, to] (ProcessedAt, written by the host's handler).</summary>
    public async Task<long> FinishedBetweenAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellation)
    {
        await using var command = source.CreateCommand(
            $"select count(*) from {Webhooks} where (data->>'ProcessedAt')::timestamptz between $1 and $2");
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        return (long)(await command.ExecuteScalarAsync(cancellation))!;
    }

    /// <summary>Webhooks finished in each whole second from <paramref name="from"/> to <paramref name="to"/>: shows whether applying is steady or comes in bursts.</summary>
    public async Task<IReadOnlyList<long>> FinishedPerSecondAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellation)
    {
        await using var command = source.CreateCommand(
            $"""
             select s, count(w.id)
             from generate_series(0, greatest(0, ceil(extract(epoch from $2::timestamptz - $1::timestamptz))::int - 1)) s
             left join {Webhooks} w on floor(extract(epoch from (w.data->>'ProcessedAt')::timestamptz - $1::timestamptz)) = s
             group by s order by s
             """);
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var counts = new List<long>();
        while (await reader.ReadAsync(cancellation))
        {
            counts.Add(reader.GetInt64(1));
        }

        return counts;
    }

    /// <summary>Stored webhooks not processed yet (still Received).</summary>
    public async Task<long> UnfinishedAsync(CancellationToken cancellation)
    {
        await using var command = source.CreateCommand($"select count(*) from {Webhooks} where data->>'ProcessedAt' is null");
        return (long)(await command.ExecuteScalarAsync(cancellation))!;
    }

    /// <summary>Counts by processing outcome (Applied, NoOp, Flagged, Parked, Received …): a check that the load was realistic.</summary>
    public async Task<IReadOnlyDictionary<string, long>> OutcomesAsync(CancellationToken cancellation)
    {
        await using var command = source.CreateCommand($"select data->>'Processing', count(*) from {Webhooks} group by 1 order by 1");
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var outcomes = new Dictionary<string, long>();
        while (await reader.ReadAsync(cancellation))
        {
            outcomes[reader.GetString(0)] = reader.GetInt64(1);
        }

        return outcomes;
    }

    /// <summary>Applied lag (ProcessedAt − ReceivedAt) p50 and p99, in seconds, of the webhooks received inside [from, to].</summary>
    public async Task<(double P50, double P99, long Count)> LagAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellation)
    {
        await using var command = source.CreateCommand(
            $"""
             select coalesce(percentile_cont(0.5) within group (order by lag), 0), coalesce(percentile_cont(0.99) within group (order by lag), 0), count(*)
             from (select extract(epoch from (data->>'ProcessedAt')::timestamptz - (data->>'ReceivedAt')::timestamptz)::float8 as lag
                   from {Webhooks}
                   where (data->>'ReceivedAt')::timestamptz between $1 and $2 and data->>'ProcessedAt' is not null) l
             """);
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = to });
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        await reader.ReadAsync(cancellation);
        return (reader.GetDouble(0), reader.GetDouble(1), reader.GetInt64(2));
    }

    /// <summary>This database's transaction and row counters (pg_stat_database), to count round trips per operation.</summary>
    public async Task<DatabaseCounters> CountersAsync(CancellationToken cancellation)
    {
        await using var command = source.CreateCommand(
            "select xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_returned + tup_fetched " +
            "from pg_stat_database where datname = current_database()");
        // The statistics collector lags up to 500 ms; a fresh snapshot is asked for.
        await using (var clear = source.CreateCommand("select pg_stat_clear_snapshot()"))
        {
            await clear.ExecuteNonQueryAsync(cancellation);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellation);
        await reader.ReadAsync(cancellation);
        return new DatabaseCounters(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5));
    }

    /// <summary>Rows written per table of the bench schema so far (pg_stat_user_tables): which tables each operation touches.</summary>
    public async Task<IReadOnlyDictionary<string, long>> TableWritesAsync(CancellationToken cancellation)
    {
        await using (var clear = source.CreateCommand("select pg_stat_clear_snapshot()"))
        {
            await clear.ExecuteNonQueryAsync(cancellation);
        }

        await using var command = source.CreateCommand(
            $"select relname, n_tup_ins + n_tup_upd + n_tup_del from pg_stat_user_tables where schemaname = '{BenchOptions.Schema}'");
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var writes = new Dictionary<string, long>();
        while (await reader.ReadAsync(cancellation))
        {
            writes[reader.GetString(0)] = reader.GetInt64(1);
        }

        return writes;
    }

    /// <summary>Every async projection (two or more progression rows besides the high-water mark) has reached the last event.</summary>
    public async Task<bool> DaemonCaughtUpAsync(CancellationToken cancellation)
    {
        await using var command = source.CreateCommand(
            $"""
             select (select count(*) from {BenchOptions.Schema}.mt_event_progression where name <> 'HighWaterMark') >= 2
                and (select coalesce(min(last_seq_id), 0) from {BenchOptions.Schema}.mt_event_progression where name <> 'HighWaterMark')
                    >= (select coalesce(max(seq_id), 0) from {BenchOptions.Schema}.mt_events)
             """);
        try
        {
            return (bool)(await command.ExecuteScalarAsync(cancellation))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => source.DisposeAsync();
}

/// <summary>Cumulative pg_stat_database counters; subtract two to get one window's work.</summary>
internal sealed record DatabaseCounters(long Commits, long Rollbacks, long Inserted, long Updated, long Deleted, long Read)
{
    public static DatabaseCounters operator -(DatabaseCounters a, DatabaseCounters b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new(a.Commits - b.Commits, a.Rollbacks - b.Rollbacks, a.Inserted - b.Inserted, a.Updated - b.Updated,
            a.Deleted - b.Deleted, a.Read - b.Read);
    }

    public DatabaseCounters Subtract(DatabaseCounters other) => this - other;
}
