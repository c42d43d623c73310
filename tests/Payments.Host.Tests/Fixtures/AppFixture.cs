using Alba;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Payments.Host.FollowUps;
using Wolverine;

namespace Payments.Host.Tests.Fixtures;

/// <summary>The real host (Program.cs) on the real database, started once for the host test collection.</summary>
public sealed class AppFixture(PostgresDatabase database) : IAsyncLifetime
{
    /// <summary>The key the host checks <c>Cko-Signature</c> with; tests sign webhooks with it.</summary>
    public const string WebhookSignatureKey = "whsec_host_tests_signature_key";

    public IAlbaHost Host { get; private set; } = null!;
    public FakeCheckout Checkout { get; } = new();
    public ManualClock Clock { get; } = new();

    /// <summary>What the host's telemetry exported: spans while a test records, metrics at each forced collection.</summary>
    public RecordedSpanCollection Spans { get; } = new();

    public RecordedMetricCollection Metrics { get; } = new();
    public IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();

    public async ValueTask InitializeAsync()
    {
        // Program.cs reads the connection string while building, before any test override could apply.
        Environment.SetEnvironmentVariable("ConnectionStrings__Payments", database.ConnectionString);
        await Checkout.StartAsync();
        Environment.SetEnvironmentVariable("Checkout__BaseUrl", Checkout.Url);
        Environment.SetEnvironmentVariable("Checkout__WebhookSignatureKey", WebhookSignatureKey);
        // One key sends hundreds of writes in a few seconds here (the hostile-input property); the limit is E2E's to test.
        Environment.SetEnvironmentVariable("RateLimits__PermitsPerWindow", "100000");
        // Beside the documented development keys: a checkout's key that may only create payments.
        Environment.SetEnvironmentVariable("Auth__ApiKeys__4__Name", "checkout-only");
        Environment.SetEnvironmentVariable("Auth__ApiKeys__4__Sha256", global::Payments.Host.Security.ApiKeyOptions.Hash(ConsoleClient.CheckoutOnlyKey));
        Environment.SetEnvironmentVariable("Auth__ApiKeys__4__Scopes__0", "payments:write");
        // Notifications to the merchant retried in milliseconds, not hours (NotificationTests).
        Environment.SetEnvironmentVariable("Notifications__RetryDelays__0", "00:00:00.050");
        Environment.SetEnvironmentVariable("Notifications__RetryDelays__1", "00:00:00.100");
        Environment.SetEnvironmentVariable("Notifications__RetryDelays__2", "00:00:00.150");
        Environment.SetEnvironmentVariable("Notifications__BlockedRecheck", "00:00:00.250");
        // The tests' clock stands days behind the real one: a daily reconciliation scheduled by it would be due at once,
        // then schedule the next day, due at once too, each asking the stub Checkout.com in the middle of other tests.
        Environment.SetEnvironmentVariable("Reconciliation__Enabled", "false");
        // No proxy to leave: a test host stops at once.
        Environment.SetEnvironmentVariable("Shutdown__ReadinessDelay", "00:00:00");
        Host = await AlbaHost.For<Program>(x =>
        {
            x.ConfigureServices(services =>
            {
                services.RemoveAll<TimeProvider>();
                services.AddSingleton<TimeProvider>(Clock);
                services.DisableAllExternalWolverineTransports();
                // The tests' clock stands days behind the real one, so a check the sweeper re-created "now" would fire
                // at once and call a Checkout.com that is not there, in the middle of another test. The sweeper's own
                // tests call it directly.
                services.PostConfigure<SweeperOptions>(o => o.Enabled = false);
                // Likewise the daily root job's start-up run: its tests schedule and seal themselves.
                services.Remove(services.Single(s => s.ImplementationType == typeof(global::Payments.Host.TamperEvidence.DailyRootSchedule)));

                // Beside the host's own pipeline: what it would export, in memory. Metrics only when a test collects.
                services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
                services.ConfigureOpenTelemetryMeterProvider(meters => meters.AddInMemoryExporter(Metrics,
                    reader => reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = int.MaxValue));
            });

            // Tests assert what the logs would say. Racing writers are the point of some tests, and each retried
            // conflict would log a stack trace (Wolverine logs handler failures under the message type's category).
            x.ConfigureLogging(logging => logging
                .AddFilter("Payments", LogLevel.Critical)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddFilter("Marten", LogLevel.Critical)
                .AddFilter("System.Net.Http", LogLevel.Warning)
                .AddFilter("Polly", LogLevel.Critical)
                .AddFilter("Wolverine", LogLevel.Critical));
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Checkout.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class SharedHost : ICollectionFixture<AppFixture>
{
    public const string Name = "host";
}

/// <summary>Every host test class starts from an empty event store and a reset clock.</summary>
[Collection(SharedHost.Name)]
public abstract class HostTest(AppFixture app) : IAsyncLifetime
{
    /// <summary>
    /// How long to wait for the async projections. Usually a second; under a loaded machine the daemon restarted by
    /// each test's data reset has been seen to take longer than 30 s to start its shards.
    /// </summary>
    public static readonly TimeSpan ProjectionWait = TimeSpan.FromSeconds(90);

    protected AppFixture App { get; } = app;

    public virtual async ValueTask InitializeAsync()
    {
        App.Clock.Reset();
        App.Checkout.Reset();
        App.Spans.Clear();
        await App.Host.ResetAllMartenDataAsync();
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
