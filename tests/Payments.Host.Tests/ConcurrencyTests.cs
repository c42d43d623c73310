using JasperFx;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using Wolverine;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

public class when_writers_race_on_one_payment(AppFixture app) : HostTest(app)
{
    private readonly Guid _id = Guid.CreateVersion7();

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
        await App.Host.InvokeMessageAndWaitAsync(
            new ApplyPaymentFact(_id, new PaymentFact.Captured(Given.CheckoutId, "act_capture", 1000, "10000")));
    }

    [Fact]
    public async Task the_second_writer_on_the_same_version_conflicts_and_writes_nothing()
    {
        await using var first = App.Store.LightweightSession();
        await using var second = App.Store.LightweightSession();
        var a = await first.Events.FetchForWriting<Payment>(_id, TestContext.Current.CancellationToken);
        var b = await second.Events.FetchForWriting<Payment>(_id, TestContext.Current.CancellationToken);
        a.CurrentVersion.ShouldBe(3);
        b.CurrentVersion.ShouldBe(3);

        a.AppendMany(PaymentDecider.RequestRefund(a.Aggregate!, Guid.CreateVersion7(), 1000, null, ManualClock.Start).Events);
        b.AppendMany(PaymentDecider.RequestRefund(b.Aggregate!, Guid.CreateVersion7(), 1000, null, ManualClock.Start).Events);
        await first.SaveChangesAsync(TestContext.Current.CancellationToken);

        await Should.ThrowAsync<ConcurrencyException>(() => second.SaveChangesAsync());
        var stream = await App.Store.Stream(_id);
        stream.Count.ShouldBe(4);
        (await App.Store.Snapshot(_id))!.ShouldSatisfyAllConditions(
            p => p.Version.ShouldBe(4),
            p => p.InFlightRefundAmount.ShouldBe(1000));
    }

    [Fact]
    public async Task a_stale_expected_version_is_a_conflict()
    {
        await using var session = App.Store.LightweightSession();

        await Should.ThrowAsync<ConcurrencyException>(() => session.Events.FetchForWriting<Payment>(_id, 2));
    }

    [Fact]
    public async Task twenty_concurrent_refund_reservations_never_exceed_the_captured_amount()
    {
        var reservations = Enumerable.Range(0, 20).Select(async _ =>
        {
            await using var scope = App.Host.Services.CreateAsyncScope();
            var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
            await bus.InvokeAsync(new ReserveRefund(_id, Guid.CreateVersion7(), 100, null));
        });

        await Task.WhenAll(reservations);

        var stream = await App.Store.Stream(_id);
        stream.Select(e => e.Version).ShouldBe(Enumerable.Range(1, stream.Count).Select(v => (long)v));
        stream.Count(e => e.Data is RefundRequested).ShouldBe(10);
        var snapshot = (await App.Store.Snapshot(_id))!;
        snapshot.InFlightRefundAmount.ShouldBe(1000);
        snapshot.RefundableAmount.ShouldBe(0);
        snapshot.Version.ShouldBe(stream.Count);
    }
}
