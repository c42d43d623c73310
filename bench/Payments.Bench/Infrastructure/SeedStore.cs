using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Payments.Host.EventStore;

namespace Payments.Bench.Infrastructure;

/// <summary>
/// The host's own Marten store, built by the host's own <see cref="EventStoreSetup.AddPaymentsEventStore"/> on the
/// bench schema but never started: the bench writes exactly the documents and events the host would, through the
/// same mappings, without a second copy of the configuration. The async daemon is not registered here.
/// </summary>
internal sealed class SeedStore : IAsyncDisposable
{
    private readonly WebApplication app;

    private SeedStore(WebApplication app) => this.app = app;

    public IDocumentStore Store => app.Services.GetRequiredService<IDocumentStore>();

    public static async Task<SeedStore> CreateAsync(string connectionString, CancellationToken cancellation)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{EventStoreSetup.ConnectionStringName}"] = connectionString,
            ["EventStore:Schema"] = BenchOptions.Schema,
            ["EventStore:AsyncProjections"] = "false",
        });
        builder.Logging.ClearProviders();
        builder.AddPaymentsEventStore();
        var store = new SeedStore(builder.Build());
        await store.Store.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
        return store;
    }

    public ValueTask DisposeAsync() => app.DisposeAsync();
}
