using Npgsql;

namespace Payments.Host.EventStore;

/// <summary>
/// Which failures mean "our database is away for a moment" rather than "this will never work": retried by Wolverine's
/// error policies (never dead-lettered) and answered 503 + Retry-After over HTTP. See docs/architecture.md, "Faults".
/// </summary>
public static class DatabaseFaults
{
    /// <summary>True when anything in the exception's chain is a transient PostgreSQL or connection failure.</summary>
    public static bool IsTransient(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException postgres when IsTransient(postgres.SqlState):
                    return true;
                case PostgresException:
                    return false;
                case NpgsqlException { IsTransient: true }:
                    return true;
                case TimeoutException:
                    return true;
                case AggregateException aggregate when aggregate.InnerExceptions.Any(IsTransient):
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// SQLSTATE classes 08 (connection), 53 (insufficient resources: too many connections, out of memory or disk),
    /// 57P01–57P03 (admin or crash shutdown, cannot connect now), 40001 (serialization), 40P01 (deadlock).
    /// </summary>
    public static bool IsTransient(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState.StartsWith("53", StringComparison.Ordinal)
        || sqlState is "57P01" or "57P02" or "57P03" or "40001" or "40P01";
}
