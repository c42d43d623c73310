using Marten;
using Weasel.Postgresql;

namespace Payments.Host.Webhooks;

/// <summary>
/// Receipt numbers for stored webhooks: one PostgreSQL sequence shared by every node, created with the rest of the
/// schema at start-up. A number is taken before the webhook's transaction commits, so a webhook acknowledged before
/// another arrived always has the lower number (docs/architecture.md, "Webhooks in order").
/// </summary>
public static class WebhookReceipts
{
    public const string SequenceName = "mt_webhook_receipts";

    public static void AddTo(StoreOptions options, string schema)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Storage.ExtendedSchemaObjects.Add(new Sequence(new PostgresqlObjectName(schema, SequenceName, SchemaUtils.IdentifierUsage.General)));
        options.Schema.For<CheckoutWebhook>().Index(w => w.CheckoutPaymentId);
    }

    public static async Task<long> NextAsync(IDocumentSession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        var schema = session.DocumentStore.Options.DatabaseSchemaName;
        var next = await session.AdvancedSql.QueryAsync<long>($"select nextval('{schema}.{SequenceName}')", cancellation);
        return next[0];
    }
}
