using System.Xml.Linq;
using Marten;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Payments.Host.OperatorConsole;

/// <summary>One key of ASP.NET Core's data protection ring, as its own XML, stored with Marten.</summary>
public sealed class DataProtectionKey
{
    public string Id { get; set; } = "";
    public string Xml { get; set; } = "";
}

/// <summary>
/// The fleet's one data-protection key ring, in PostgreSQL: a console cookie or an antiforgery token issued by one node
/// is read by every other (docs/architecture.md, "Operator console"). Two nodes creating the first key at once leave two
/// valid keys, which the ring handles.
/// </summary>
public sealed class ConsoleKeyRing(IDocumentStore store) : IXmlRepository
{
    // IXmlRepository is synchronous and Marten is not: it is called when the ring is (re)loaded, about once a day per
    // node, off any request's synchronization context, so waiting here blocks one thread briefly and nothing else.
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var session = store.QuerySession();
        var keys = session.Query<DataProtectionKey>().ToListAsync().GetAwaiter().GetResult();
        return [.. keys.Select(k => XElement.Parse(k.Xml))];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        using var session = store.LightweightSession();
        session.Store(new DataProtectionKey { Id = friendlyName, Xml = element.ToString(SaveOptions.DisableFormatting) });
        session.SaveChangesAsync().GetAwaiter().GetResult();
    }
}

/// <summary>
/// Makes sure the ring holds a key before any node of the fleet first reads it. Left to itself each node creates a key
/// the first time it needs one, so two nodes started together would each cache a ring with only their own key and
/// refuse each other's cookies and forms (the test that found it: ConsoleFleetTests). Under a PostgreSQL advisory lock
/// the first node creates the key and the others find it. Runs just before data protection's own warm-up.
/// </summary>
public sealed class ConsoleKeyRingWarmUp(IDocumentStore store, IKeyManager keys, TimeProvider time) : IHostedService
{
    private const long LockId = 0x4b4e45545f444b52; // "KNET_DKR"

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = (NpgsqlConnection)store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var take = new NpgsqlCommand("select pg_advisory_xact_lock(@id)", connection, transaction))
        {
            take.Parameters.AddWithValue("id", LockId);
            await take.ExecuteNonQueryAsync(cancellationToken);
        }

        var now = time.GetUtcNow();
        if (!keys.GetAllKeys().Any(k => !k.IsRevoked && k.ActivationDate <= now && k.ExpirationDate > now.AddDays(2)))
        {
            keys.CreateNewKey(now, now.AddDays(90));
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
