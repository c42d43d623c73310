using DotNet.Testcontainers.Configurations;
using Testcontainers.PostgreSql;

[assembly: AssemblyFixture(typeof(Payments.Host.Tests.Fixtures.PostgresDatabase))]

namespace Payments.Host.Tests.Fixtures;

/// <summary>
/// A real PostgreSQL for the whole test assembly: <c>PAYMENTS_TEST_POSTGRES</c> when set (what scripts/test.sh does
/// on a machine without Docker), otherwise a Testcontainers PostgreSQL when a Docker engine answers.
/// </summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    public const string EnvironmentVariable = "PAYMENTS_TEST_POSTGRES";

    private PostgreSqlContainer? _container;

    public string ConnectionString { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            ConnectionString = configured;
            return;
        }

        // Testcontainers tries every Docker endpoint it knows and pings it; null when none answers.
        if (TestcontainersSettings.OS.DockerEndpointAuthConfig is null)
        {
            throw new InvalidOperationException(
                $"No PostgreSQL for the host tests: set {EnvironmentVariable} (scripts/test.sh does) or start a Docker engine.");
        }

        _container = new PostgreSqlBuilder("postgres:15-alpine").Build();
        await _container.StartAsync();
        ConnectionString = _container.GetConnectionString();
    }

    public async ValueTask DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}
