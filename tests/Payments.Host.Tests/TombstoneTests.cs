using JasperFx.Events.Daemon;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Payments.Domain;
using Payments.Host.BackOffice;
using Payments.Host.EventStore;
using Payments.Host.Payments;
using Payments.Host.Tests.Fixtures;
using Payments.Host.Tooling;
using Payments.Testing;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>
/// When an append transaction fails after its events drew their sequence numbers, Marten writes a Tombstone event in
/// each one's place (on a stream of its own) so the sequence stays dense. Every projection, live and rebuilt, and the
/// audit pass over them (docs/architecture.md, Projections).
/// </summary>
public class when_an_append_transaction_fails(AppFixture app) : HostTest(app)
{
    private static readonly DateTimeOffset Day = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private const string Checkout = "pay_4gubyq2w335upc54dx7a4257lq";

    /// <summary>Any document; its second insert under the same id is the constraint violation.</summary>
    public sealed class OnceOnly
    {
        public string Id { get; set; } = "";
    }

    private async Task<Guid> Seed(long amount, params Func<Guid, IPaymentEvent>[] after)
    {
        var id = Guid.CreateVersion7(Day);
        await using var session = App.Store.LightweightSession();
        session.SetHeader(Causes.Header, "http:test");
        session.Events.StartStream<Payment>(id, [new PaymentRequested(id, new KnetPaymentRequest { Amount = amount, Language = "en", Reference = $"R{amount}" }, Day),
            .. after.Select(f => (object)f(id))]);
        await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        return id;
    }

    private async Task<string> Documents()
    {
        await using var session = App.Store.QuerySession();
        var payments = await session.Query<Payment>().OrderBy(p => p.Id).ToListAsync(TestContext.Current.CancellationToken);
        var days = await session.Query<DailyTotals>().OrderBy(d => d.Id).ToListAsync(TestContext.Current.CancellationToken);
        var attention = await session.Query<AttentionItem>().OrderBy(a => a.Id).ToListAsync(TestContext.Current.CancellationToken);

        // The snapshot's duplicated columns, which GET /payments filters on, and its revision.
        var columns = await session.AdvancedSql.QueryAsync<string>(
            """
            select concat_ws('|', id, status, requested_at, reference, amount, checkout_payment_id, request_customer_email, mt_version)
            from payments.mt_doc_payment order by id
            """, TestContext.Current.CancellationToken);
        return Given.Json(new { payments, columns, days, attention });
    }

    private async Task<IReadOnlyList<string>> EventTypes()
    {
        await using var session = App.Store.QuerySession();
        return await session.AdvancedSql.QueryAsync<string>(
            "select type from payments.mt_events order by seq_id", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task every_projection_catches_up_and_rebuilds_to_the_same_documents_and_the_audit_finds_nothing()
    {
        var captured = await Seed(1000, id => new PaymentPending(id, Checkout, "https://k/pay", Day),
            id => new PaymentCaptured(id, Checkout, "act_c", 1000, "10000", Day));
        await Seed(700, id => new PaymentPending(id, Checkout, "https://k/pay", Day));
        await using (var first = App.Store.LightweightSession())
        {
            first.Store(new OnceOnly { Id = "once" });
            await first.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await App.Host.WaitForNonStaleProjectionDataAsync(HostTest.ProjectionWait);
        var before = await Documents();

        // A refund reservation and, in the same transaction, an insert that violates a primary key: the event is
        // appended (it draws seq_id 6), then the insert fails and the whole transaction rolls back.
        await using (var failing = App.Store.LightweightSession())
        {
            failing.SetHeader(Causes.Header, "http:test");
            failing.Events.Append(captured, new RefundRequested(captured, Guid.CreateVersion7(Day), 300, null, Day));
            failing.Insert(new OnceOnly { Id = "once" });
            await Should.ThrowAsync<JasperFx.DocumentAlreadyExistsException>(() => failing.SaveChangesAsync(TestContext.Current.CancellationToken));
        }

        // Marten posts the tombstone from a background block after the rollback.
        var types = await Eventually.Until(EventTypes, t => t.Contains("tombstone"), TimeSpan.FromSeconds(10));
        types.ShouldBe([
            "payment_requested", "payment_pending", "payment_captured", "payment_requested", "payment_pending", "tombstone",
        ]);

        await App.Host.WaitForNonStaleProjectionDataAsync(HostTest.ProjectionWait);
        (await Documents()).ShouldBe(before);
        await using (var session = App.Store.QuerySession())
        {
            // The live daemon skips an event it cannot apply into a dead letter and carries on: none may be there.
            (await session.Query<DeadLetterEvent>().CountAsync(TestContext.Current.CancellationToken)).ShouldBe(0);
        }

        using var daemon = await App.Host.Services.GetRequiredService<IDocumentStore>().BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync<PaymentProjection>(TestContext.Current.CancellationToken);
        await daemon.RebuildProjectionAsync<DailyTotalsProjection>(TestContext.Current.CancellationToken);
        await daemon.RebuildProjectionAsync<AttentionProjection>(TestContext.Current.CancellationToken);
        (await Documents()).ShouldBe(before);
        before.ShouldContain("\"requestedCount\":2");
        before.ShouldContain("|Captured|");

        (await PaymentAudit.RunAsync(App.Store, Day, TimeSpan.FromDays(1), TestContext.Current.CancellationToken)).ShouldBeEmpty();
    }
}
