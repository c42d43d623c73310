using Marten;
using Microsoft.Extensions.Options;
using Marten.Storage;
using Npgsql;
using Payments.Host.Configuration;
using Weasel.Core;
using Weasel.Postgresql.Tables;

namespace Payments.Host.RateLimits;

/// <summary>The section <c>RateLimits</c>: every node of the fleet enforces the same numbers on one shared count.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Writes one API key may make in one window, across the whole fleet.</summary>
    public int PermitsPerWindow { get; set; } = 100;

    /// <summary>The window's length; windows are aligned to the Unix epoch, so every node agrees where one starts.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class RateLimitOptionsValidation : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = RateLimitOptions.Section;
        var failures = new ValidateOptionsResultBuilder();
        failures.RequireAtLeastOne($"{S}:{nameof(options.PermitsPerWindow)}", options.PermitsPerWindow, "every create and refund would be answered 429");
        failures.RequirePositive($"{S}:{nameof(options.Window)}", options.Window, "writes could not be counted in windows");
        return failures.Build();
    }
}

/// <summary>How one request fared in its window: its count (itself included) and how long until the window ends.</summary>
public readonly record struct WindowCount(int Count, TimeSpan UntilWindowEnds);

/// <summary>
/// The fleet's fixed-window counters, one row per (key, window) in PostgreSQL: every node counts on the same row, so
/// a key gets its limit once, not once per node. One upsert per request (docs/architecture.md, "Rate limits").
/// </summary>
public sealed class FleetWindows(IDocumentStore store, TimeProvider time, IOptions<RateLimitOptions> options)
{
    public const string TableName = "rate_limit_windows";

    private readonly string _upsert = $"""
        insert into {store.Options.DatabaseSchemaName}.{TableName} as w (key, window_start, count) values ($1, $2, $3)
        on conflict (key, window_start) do update set count = w.count + excluded.count
        returning w.count
        """;

    public RateLimitOptions Options => options.Value;

    /// <summary>Adds <paramref name="permits"/> to the key's current window and answers the window's new count.</summary>
    public async ValueTask<WindowCount> CountAsync(string key, int permits, CancellationToken cancellation)
    {
        var window = options.Value.Window;
        var now = time.GetUtcNow();
        var start = WindowStart(now, window);

        await using var connection = store.Storage.Database.CreateConnection(ConnectionUsage.ReadWrite);
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand(_upsert, connection)
        {
            Parameters = { new() { Value = key }, new() { Value = start }, new() { Value = permits } },
        };
        var count = (int)(await command.ExecuteScalarAsync(cancellation))!;
        return new WindowCount(count, start + window - now);
    }

    /// <summary>The start of the window holding <paramref name="now"/>.</summary>
    public static DateTimeOffset WindowStart(DateTimeOffset now, TimeSpan window) =>
        new(now.UtcTicks - (now.UtcTicks % window.Ticks), TimeSpan.Zero);

    /// <summary>
    /// Queues, in the sweeper's transaction, the deletion of every window that has ended: their counts can never be
    /// read again (a window's row is only ever looked up while the window is current).
    /// </summary>
    public void ForgetEndedWindows(IDocumentSession session, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(session);
        session.QueueSqlCommand(
            $"delete from {store.Options.DatabaseSchemaName}.{TableName} where window_start < ?", WindowStart(now, options.Value.Window));
    }
}

/// <summary>
/// The counters' table, created at start-up with the rest of Marten's schema. UNLOGGED: it skips the write-ahead log,
/// so a count costs no WAL flush; PostgreSQL empties it after a crash, which only starts every key's window afresh,
/// and it is not replicated, so a promoted standby starts with empty windows too. Neither loses a payment.
/// </summary>
public sealed class RateLimitTable : Table
{
    public RateLimitTable(string schema) : base($"{schema}.{FleetWindows.TableName}")
    {
        AddColumn<string>("key").AsPrimaryKey();
        AddColumn<DateTimeOffset>("window_start").AsPrimaryKey();
        AddColumn<int>("count").NotNull();
    }

    /// <summary>Weasel has no UNLOGGED option: the same statement with the keyword.</summary>
    public override void WriteCreateStatement(Migrator migrator, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        using var create = new StringWriter();
        base.WriteCreateStatement(migrator, create);
        var sql = create.ToString();
        var at = sql.IndexOf("CREATE TABLE", StringComparison.OrdinalIgnoreCase);
        writer.Write(at < 0 ? sql : string.Concat(sql.AsSpan(0, at), "CREATE UNLOGGED TABLE", sql.AsSpan(at + "CREATE TABLE".Length)));
    }
}
