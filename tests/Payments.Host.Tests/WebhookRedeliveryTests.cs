using System.Net;
using Marten;
using Npgsql;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Tests.Fixtures;
using Payments.Host.Webhooks;
using Shouldly;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

/// <summary>Holds rows the way a concurrent writer would, so a test can put other writers exactly behind it.</summary>
internal static class RowLocks
{
    public static async Task Take<TId>(NpgsqlConnection connection, string table, TId id)
    {
        await using var take = new NpgsqlCommand($"select 1 from {table} where id = @id for update", connection);
        take.Parameters.AddWithValue("id", id!);
        (await take.ExecuteScalarAsync()).ShouldBe(1, $"{table} has a row {id} to hold");
    }

    /// <summary>
    /// Backends of this database waiting for a lock (a row held by <see cref="Take{TId}"/>, or by each other). Asked
    /// on a connection of its own: inside the holder's transaction, pg_stat_activity would repeat its first answer.
    /// </summary>
    public static async Task<long> Waiting(IDocumentStore store)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand(
            "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}

/// <summary>
/// Checkout.com delivers at least once, and may deliver the same event again while the first delivery is still being
/// processed. Each redelivery is counted, and no count, however many race, undoes what processing wrote.
/// </summary>
public class when_a_webhook_is_redelivered_while_it_is_processed(AppFixture app) : HostTest(app)
{
    private const string EventId = "evt_redeliveredwhileprocessed";
    private const int Redeliveries = 50;
    private readonly Guid _id = Guid.CreateVersion7();

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        // After the capture the processor asks Checkout.com for KNET's record: here it is there at once.
        await App.AcceptedAndCapturedAtCheckoutAsync(_id);
    }

    private string Captured() => SignedWebhooks.Captured(EventId, _id);

    [Fact]
    public async Task every_delivery_is_counted_and_the_outcome_is_kept()
    {
        var cancellation = TestContext.Current.CancellationToken;

        // Hold the payment's stream row, so the processor stops inside its transaction, just before it commits the
        // capture and its outcome, for as long as the redeliveries need to arrive.
        await using var blocker = App.Store.Storage.Database.CreateConnection();
        await blocker.OpenAsync(cancellation);
        await using var hold = await blocker.BeginTransactionAsync(cancellation);
        await RowLocks.Take(blocker, "payments.mt_streams", _id);

        using var first = await App.PostWebhook(Captured());
        first.StatusCode.ShouldBe(HttpStatusCode.OK);
        await Eventually.Until(() => RowLocks.Waiting(App.Store), waiting => waiting >= 1);

        var redeliveries = Enumerable.Range(0, Redeliveries).Select(_ => App.PostWebhook(Captured())).ToList();

        // Each redelivery is answered, or stuck behind the processor's transaction (the one other waiter).
        await Eventually.Until(
            async () => redeliveries.Count(r => r.IsCompleted) + await RowLocks.Waiting(App.Store) - 1,
            settled => settled >= Redeliveries);
        await hold.RollbackAsync(cancellation);
        var answers = await Task.WhenAll(redeliveries);

        answers.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        var stream = await Eventually.Until(() => App.Store.Stream(_id), events => events.Count >= 4);
        stream.Select(e => e.Data.GetType()).ShouldBe(
            [typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptured), typeof(KnetDetailsRecorded)]);
        stream[2].Headers!["cause"].ToString().ShouldBe($"webhook:{EventId}");
        await using var session = App.Store.QuerySession();
        var webhook = (await session.LoadAsync<CheckoutWebhook>(EventId, cancellation)).ShouldNotBeNull();
        webhook.ShouldSatisfyAllConditions(
            w => w.Deliveries.ShouldBe(1 + Redeliveries),
            w => w.Processing.ShouldBe(WebhookProcessing.Applied),
            w => w.Outcome.ShouldBe("CaptureReported: Pending → Captured"),
            w => w.ProcessedAt.ShouldBe(ManualClock.Start),
            w => w.PaymentId.ShouldBe(_id),
            w => w.LookupAttempts.ShouldBe(0),
            w => w.Replays.ShouldBe(0));
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }
}

/// <summary>
/// An operator replays a parked webhook while Checkout.com keeps redelivering it: the replay writes only its own
/// fields, over a record that is still parked, and every delivery is still counted.
/// </summary>
public class when_a_parked_webhook_is_replayed_while_it_is_redelivered(AppFixture app) : HostTest(app)
{
    private const string EventId = "evt_replayedwhileredelivered";
    private const string AdminKey = "Bearer pk_dev_admin_c57a90d2";
    private const int Redeliveries = 50;
    private readonly Guid _id = Guid.CreateVersion7();

    private string Captured() => SignedWebhooks.Captured(EventId, _id);

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();

        // Parked before the payment turned up (as if every look had missed it); now the payment exists.
        await using (var session = App.Store.LightweightSession())
        {
            session.Store(new CheckoutWebhook
            {
                Id = EventId, Type = "payment_captured", CheckoutPaymentId = Given.CheckoutId, Body = Captured(),
                ReceivedAt = ManualClock.Start, LookupAttempts = 5, Processing = WebhookProcessing.Parked,
                Outcome = $"no payment for {Given.CheckoutId} after 5 looks", ProcessedAt = ManualClock.Start,
            });
            await session.SaveChangesAsync();
        }

        await App.AcceptedAndCapturedAtCheckoutAsync(_id);
    }

    private async Task<HttpResponseMessage> Replay()
    {
        using var client = App.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/webhooks/parked/{EventId}/replay");
        request.Headers.TryAddWithoutValidation("Authorization", AdminKey);
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task the_replay_and_every_delivery_are_counted_and_it_is_applied_once()
    {
        var cancellation = TestContext.Current.CancellationToken;

        // Hold the webhook's row: the replay and the redeliveries all read it first, then queue up to write it.
        await using var blocker = App.Store.Storage.Database.CreateConnection();
        await blocker.OpenAsync(cancellation);
        await using var hold = await blocker.BeginTransactionAsync(cancellation);
        await RowLocks.Take(blocker, "payments.mt_doc_checkoutwebhook", EventId);

        var replay = Replay();
        var redeliveries = Enumerable.Range(0, Redeliveries).Select(_ => App.PostWebhook(Captured())).ToList();
        await Eventually.Until(() => RowLocks.Waiting(App.Store), waiting => waiting >= 1 + Redeliveries);
        await hold.RollbackAsync(cancellation);

        using var replayed = await replay;
        var answers = await Task.WhenAll(redeliveries);
        replayed.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        answers.ShouldAllBe(r => r.StatusCode == HttpStatusCode.OK);
        var stream = await Eventually.Until(() => App.Store.Stream(_id), events => events.Count >= 4);
        stream.Select(e => e.Data.GetType()).ShouldBe(
            [typeof(PaymentRequested), typeof(PaymentPending), typeof(PaymentCaptured), typeof(KnetDetailsRecorded)]);
        await using var session = App.Store.QuerySession();
        var webhook = (await session.LoadAsync<CheckoutWebhook>(EventId, cancellation)).ShouldNotBeNull();
        webhook.ShouldSatisfyAllConditions(
            w => w.Deliveries.ShouldBe(1 + Redeliveries),
            w => w.Replays.ShouldBe(1),
            w => w.LookupAttempts.ShouldBe(0),
            w => w.Processing.ShouldBe(WebhookProcessing.Applied),
            w => w.Outcome.ShouldBe("CaptureReported: Pending → Captured"),
            w => w.PaymentId.ShouldBe(_id));
        using var again = await Replay();
        again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        foreach (var answer in answers)
        {
            answer.Dispose();
        }
    }
}
