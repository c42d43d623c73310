using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Npgsql;
using Payments.Host.Configuration;

namespace Payments.Host.EventStore;

/// <summary>
/// The section <c>EventStore</c> and <c>ConnectionStrings:Payments</c>: where the events are stored. Read before the
/// container exists (Marten and Wolverine are configured from it) and checked at start like every other section.
/// </summary>
public sealed class EventStoreOptions
{
    public const string Section = "EventStore";

    /// <summary>
    /// From <c>ConnectionStrings:Payments</c>, the usual place of a connection string. Marten parses it while the
    /// builder runs, so the defaults a refused host is built with (<see cref="StartupSettings"/>) hold one that parses;
    /// a host that runs always has the configured one.
    /// </summary>
    public string ConnectionString { get; set; } = "Host=localhost";

    /// <summary>The schema of Marten's tables; Wolverine's and the rate limiter's follow.</summary>
    public string Schema { get; set; } = EventStoreSetup.Schema;

    /// <summary>How often Wolverine looks for scheduled messages that are due (the follow-up checks).</summary>
    public TimeSpan SchedulerPolling { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The async projections (daily totals, attention) run somewhere in the fleet unless switched off.</summary>
    public bool AsyncProjections { get; set; } = true;
}

public sealed partial class EventStoreOptionsValidation : IValidateOptions<EventStoreOptions>
{
    public const string ConnectionStringKey = $"ConnectionStrings:{EventStoreSetup.ConnectionStringName}";

    public ValidateOptionsResult Validate(string? name, EventStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = EventStoreOptions.Section;
        var failures = new ValidateOptionsResultBuilder();
        failures.RequireValue(ConnectionStringKey, options.ConnectionString, "the service has no database");
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            // Never repeated in the message: it holds the database password.
            NpgsqlConnectionStringBuilder? parsed = null;
            try
            {
                parsed = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException)
            {
                failures.Fail(ConnectionStringKey, "is not a PostgreSQL connection string (Host=…;Database=…;Username=…;Password=…)",
                    "the service could not reach its database");
            }

            if (parsed is { Host: null or "" })
            {
                failures.Fail(ConnectionStringKey, "names no Host", "the service could not reach its database");
            }
        }

        if (!Identifier().IsMatch(options.Schema) || options.Schema.StartsWith("pg_", StringComparison.Ordinal))
        {
            failures.Fail($"{S}:{nameof(options.Schema)}",
                $"is '{options.Schema}', not a lower-case PostgreSQL name (a letter or _, then letters, digits or _, at most 63, not pg_…)",
                "the event store's tables could not be created in it");
        }

        failures.RequirePositive($"{S}:{nameof(options.SchedulerPolling)}", options.SchedulerPolling, "scheduled checks would never be found due");
        return failures.Build();
    }

    [GeneratedRegex(@"^[a-z_][a-z0-9_]{0,62}\z")]
    private static partial Regex Identifier();
}
