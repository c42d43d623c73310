using System.Net;
using System.Text.Json;
using Alba;
using Marten;
using Marten.Events;
using Microsoft.Extensions.DependencyInjection;
using Payments.Domain;
using Payments.Host.BackOffice;
using Payments.Host.EventStore;
using Payments.Host.Tests.Fixtures;
using Payments.Host.Webhooks;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>The back office's async views over a hand-built history, and rebuilding every projection from the events.</summary>
public class when_the_back_office_reads_reports(AppFixture app) : HostTest(app)
{
    private const string Key = "Bearer pk_dev_backoffice_8d41e6b0";
    private const string Checkout = "pay_4gubyq2w335upc54dx7a4257lq";
    private static readonly DateTimeOffset Day1 = new(2026, 11, 23, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Day2 = Day1.AddDays(1);
    private static readonly Guid Refund = Guid.Parse("0193b3a0-0000-7000-8000-0000000000a1");

    private async Task Seed(DateTimeOffset at, long amount, params Func<Guid, object>[] after)
    {
        var id = Guid.CreateVersion7(at);
        await using var session = App.Store.LightweightSession();
        session.Events.StartStream<Payment>(id, [new PaymentRequested(id, new KnetPaymentRequest { Amount = amount, Language = "en", Reference = $"R{amount}" }, at),
            .. after.Select(f => f(id))]);
        await session.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    private Task SeedHistory() => Task.WhenAll(
        Seed(Day1, 1000, id => new PaymentPending(id, Checkout, "https://k/pay", Day1), id => new PaymentCaptured(id, Checkout, "a", 1000, "10000", Day1),
            id => new RefundRequested(id, Refund, 300, null, Day2), id => new RefundSucceeded(id, Refund, "r", 300, Day2)),
        Seed(Day1, 2000, id => new PaymentPending(id, Checkout, "https://k/pay", Day1), id => new PaymentExpired(id, Checkout, "e", Day1, 2000)),
        Seed(Day2, 500, id => new PaymentPending(id, Checkout, "https://k/pay", Day2), id => new PaymentCaptureDeclined(id, Checkout, "d", "20005", "no", Day2, 500)),
        Seed(Day2, 700, id => new PaymentPending(id, Checkout, "https://k/pay", Day2)),
        Seed(Day2, 900, id => new PaymentPending(id, Checkout, "https://k/pay", Day2), id => new PaymentCanceled(id, Checkout, "x", Day2, 900),
            id => new PaymentFlaggedForReview(id, "CaptureReported", PaymentStatus.Canceled, "CaptureReported contradicts Canceled", Day2)));

    private async Task<JsonElement> Get(string url)
    {
        var result = await App.Host.Scenario(x => { x.Get.Url(url); x.WithRequestHeader("Authorization", Key); x.StatusCodeShouldBeOk(); });
        return JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task daily_totals_count_and_sum_each_outcome_per_day()
    {
        await SeedHistory();
        await App.Host.WaitForNonStaleProjectionDataAsync(ProjectionWait);

        var days = await Get("/reports/daily?from=2026-11-22&to=2026-11-25");

        days.GetArrayLength().ShouldBe(2);
        var first = days[0];
        first.GetProperty("day").GetString().ShouldBe("2026-11-23");
        (first.GetProperty("requestedCount").GetInt32(), first.GetProperty("requestedAmount").GetInt64()).ShouldBe((2, 3000L));
        (first.GetProperty("capturedCount").GetInt32(), first.GetProperty("capturedAmount").GetInt64()).ShouldBe((1, 1000L));
        (first.GetProperty("expiredCount").GetInt32(), first.GetProperty("expiredAmount").GetInt64()).ShouldBe((1, 2000L));
        var second = days[1];
        (second.GetProperty("requestedCount").GetInt32(), second.GetProperty("requestedAmount").GetInt64()).ShouldBe((3, 2100L));
        (second.GetProperty("declinedCount").GetInt32(), second.GetProperty("declinedAmount").GetInt64()).ShouldBe((1, 500L));
        (second.GetProperty("canceledCount").GetInt32(), second.GetProperty("canceledAmount").GetInt64()).ShouldBe((1, 900L));
        (second.GetProperty("refundedCount").GetInt32(), second.GetProperty("refundedAmount").GetInt64()).ShouldBe((1, 300L));
    }

    [Fact]
    public async Task a_bad_report_range_is_400()
    {
        var result = await App.Host.Scenario(x =>
        {
            x.Get.Url("/reports/daily?from=2026-11-25&to=2026-11-01");
            x.WithRequestHeader("Authorization", Key);
            x.StatusCodeShouldBe(HttpStatusCode.BadRequest);
        });
        (await result.ReadAsTextAsync()).ShouldContain("report_query_invalid");
    }

    [Fact]
    public async Task the_attention_view_lists_overdue_payments_and_refunds_flags_and_parked_webhooks()
    {
        await SeedHistory();
        await using (var session = App.Store.LightweightSession())
        {
            session.Store(new CheckoutWebhook { Id = "evt_parked", Type = "payment_captured", CheckoutPaymentId = "pay_nobody", Processing = WebhookProcessing.Parked, ReceivedAt = Day2 });
            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await App.Host.WaitForNonStaleProjectionDataAsync(ProjectionWait);
        App.Clock.Advance(Day2.AddHours(5) - ManualClock.Start);

        var attention = await Get("/operations/attention");

        attention.GetProperty("undecidedPayments").EnumerateArray().Select(p => p.GetProperty("amount").GetInt64()).ShouldBe([700L]);
        attention.GetProperty("flaggedForReview").EnumerateArray().Single().GetProperty("reasons")[0].GetString()
            .ShouldBe("CaptureReported contradicts Canceled");
        attention.GetProperty("undecidedRefunds").GetArrayLength().ShouldBe(0, "the refund succeeded");
        attention.GetProperty("parkedWebhooks").EnumerateArray().Single().GetProperty("id").GetString().ShouldBe("evt_parked");
    }

    [Fact]
    public async Task rebuilding_every_projection_from_the_events_gives_the_same_documents()
    {
        await SeedHistory();
        await App.Host.WaitForNonStaleProjectionDataAsync(ProjectionWait);
        async Task<string> Documents()
        {
            await using var session = App.Store.QuerySession();
            var payments = await session.Query<Payment>().OrderBy(p => p.Id).ToListAsync();
            var days = await session.Query<DailyTotals>().OrderBy(d => d.Id).ToListAsync();
            var attention = await session.Query<AttentionItem>().OrderBy(a => a.Id).ToListAsync();
            return Given.Json(new { payments, days, attention });
        }

        var live = await Documents();
        var store = App.Host.Services.GetRequiredService<IDocumentStore>();
        using var daemon = await store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync<PaymentProjection>(TestContext.Current.CancellationToken);
        await daemon.RebuildProjectionAsync<DailyTotalsProjection>(TestContext.Current.CancellationToken);
        await daemon.RebuildProjectionAsync<AttentionProjection>(TestContext.Current.CancellationToken);

        (await Documents()).ShouldBe(live);
        live.ShouldContain("\"capturedAmount\":1000");
    }
}
