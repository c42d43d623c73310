using System.Diagnostics;
using System.Threading.RateLimiting;
using Marten;
using Payments.Host.Configuration;

namespace Payments.Host.RateLimits;

/// <summary>
/// ASP.NET's rate limiting with the count kept in PostgreSQL (<see cref="FleetWindows"/>) instead of in this process:
/// a <see cref="RateLimiter"/> per partition key, so <c>RequireRateLimiting</c>, the middleware and its
/// <c>OnRejected</c> work as with the built-in limiters. A database failure while counting is thrown, not swallowed:
/// the request gets the 503 + Retry-After of any transient database failure (docs/architecture.md, "Rate limits").
/// </summary>
public sealed class FleetRateLimiter(string key, FleetWindows windows) : RateLimiter
{
    private long _lastUsed = Stopwatch.GetTimestamp();

    /// <summary>Nothing is held here between requests, so the middleware may drop an idle limiter at any time.</summary>
    public override TimeSpan? IdleDuration => Stopwatch.GetElapsedTime(Interlocked.Read(ref _lastUsed));

    /// <summary>No local statistics: the only count is the fleet's, in the database.</summary>
    public override RateLimiterStatistics? GetStatistics() => null;

    /// <summary>
    /// A count is only known after a round trip, which a synchronous attempt must not make: it declines, and ASP.NET's
    /// middleware then asks <see cref="AcquireAsyncCore"/>, which does.
    /// </summary>
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => WindowLease.Undecided;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        var permits = windows.Options.PermitsPerWindow;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, permits);
        Interlocked.Exchange(ref _lastUsed, Stopwatch.GetTimestamp());
        if (permitCount == 0)
        {
            // "Would a request pass?" cannot be answered without counting; nothing is taken, so nothing is refused.
            return WindowLease.Acquired;
        }

        var (count, untilWindowEnds) = await windows.CountAsync(key, permitCount, cancellationToken);
        return count <= permits ? WindowLease.Acquired : new WindowLease(false, untilWindowEnds);
    }

    private sealed class WindowLease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly WindowLease Acquired = new(true, null);
        public static readonly WindowLease Undecided = new(false, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? retryAfter : null;
            return metadata is not null;
        }
    }
}

public static class FleetRateLimitSetup
{
    /// <summary>The options, the counters and their table (in the service's schema, created with Marten's at start-up).</summary>
    public static IServiceCollection AddFleetRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<RateLimitOptions, RateLimitOptionsValidation>(configuration, RateLimitOptions.Section);
        services.AddSingleton<FleetWindows>();
        services.ConfigureMarten(opts => opts.Storage.ExtendedSchemaObjects.Add(new RateLimitTable(opts.DatabaseSchemaName)));
        return services;
    }

    /// <summary>The limiter of one partition key (an API key's name) under one policy, counted by the whole fleet.</summary>
    public static RateLimitPartition<string> Partition(HttpContext context, string policy, string key)
    {
        ArgumentNullException.ThrowIfNull(context);
        var windows = context.RequestServices.GetRequiredService<FleetWindows>();
        return RateLimitPartition.Get($"{policy}|{key}", partition => new FleetRateLimiter(partition, windows));
    }
}
