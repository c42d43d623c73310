using System.Text.Json;
using System.Text.Json.Serialization;
using JasperFx.Events;
using Marten;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Tests.Fixtures;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

internal static class Given
{
    public const string CheckoutId = "pay_4gubyq2w335upc54dx7a4257lq";
    public const string Redirect = "https://sbapi.ckotech.co/knet-external/redirect/tok_tl6kftlhdpzephqelsbpyovl4i/pay";

    /// <summary>
    /// A payment requested and accepted (Pending with <see cref="CheckoutId"/>), and Checkout.com answering that it is
    /// captured with KNET's record: what the processor reads after applying a capture.
    /// </summary>
    public static async Task AcceptedAndCapturedAtCheckoutAsync(this AppFixture app, Guid id)
    {
        ArgumentNullException.ThrowIfNull(app);
        await app.Host.InvokeMessageAndWaitAsync(new RequestPayment(id, Request()));
        await app.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Accepted(CheckoutId, Redirect)));
        app.Checkout.AnswerJson(new
        {
            id = CheckoutId, status = "Captured", approved = true, amount = 1000, currency = "KWD",
            source = new { type = "knet", knet_payment_id = "100201914315601265", knet_result = "CAPTURED" },
        });
    }

    public static KnetPaymentRequest Request(long amount = 1000) => new()
    {
        Amount = amount,
        Reference = "ORD-5023-4E89",
        Language = "en",
        UserDefinedField1 = "first user defined field",
        SuccessUrl = "https://shop.example/ok",
        FailureUrl = "https://shop.example/fail",
        Metadata = new Dictionary<string, MetadataValue> { ["order"] = MetadataValue.OfNumber("5023") },
    };

    public static async Task<IReadOnlyList<IEvent>> Stream(this IDocumentStore store, Guid id)
    {
        await using var session = store.QuerySession();
        return await session.Events.FetchStreamAsync(id);
    }

    public static async Task<Payment?> Snapshot(this IDocumentStore store, Guid id)
    {
        await using var session = store.QuerySession();
        return await session.LoadAsync<Payment>(id);
    }

    /// <summary>The revision Marten stored beside the snapshot document.</summary>
    public static async Task<long> StoredRevision(this IDocumentStore store, Guid id)
    {
        await using var session = store.QuerySession();
        var revisions = await session.QueryAsync<long>("select mt_version from payments.mt_doc_payment where id = ?", id);
        return revisions.Single();
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { Converters = { new JsonStringEnumConverter() } };

    /// <summary>Structural comparison for records that hold lists.</summary>
    public static string Json(object? value) => JsonSerializer.Serialize(value, JsonOptions);
}
