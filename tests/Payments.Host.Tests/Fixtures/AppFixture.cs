using Alba;
using Marten;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
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
    protected AppFixture App { get; } = app;

    public virtual async ValueTask InitializeAsync()
    {
        App.Clock.Reset();
        App.Checkout.Reset();
        await App.Host.ResetAllMartenDataAsync();
    }

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}
