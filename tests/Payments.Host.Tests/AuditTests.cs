using Payments.Domain;
using Payments.Host.Tests.Fixtures;
using Payments.Host.Tooling;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>The audit command's engine over the real event store, fed hand-made streams good and bad.</summary>
public class when_the_audit_runs_over_the_store(AppFixture app) : HostTest(app)
{
    private static readonly DateTimeOffset T = ManualClock.Start;
    private const string Checkout = "pay_4gubyq2w335upc54dx7a4257lq";

    private async Task<Guid> Stream(bool withCause, params Func<Guid, IPaymentEvent>[] events)
    {
        var id = Guid.CreateVersion7();
        await using var session = App.Store.LightweightSession();
        if (withCause)
        {
            session.SetHeader("cause", "http:test");
        }

        session.Events.StartStream<Payment>(id, [.. events.Select(e => (object)e(id))]);
        await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        return id;
    }

    private static IPaymentEvent Requested(Guid id) => new PaymentRequested(id, new KnetPaymentRequest { Amount = 1000, Language = "en" }, T);
    private static IPaymentEvent Pending(Guid id) => new PaymentPending(id, Checkout, "https://knet.example/pay", T);
    private static IPaymentEvent Captured(Guid id) => new PaymentCaptured(id, Checkout, "act_c", 1000, "10000", T);
    private static IPaymentEvent Expired(Guid id) => new PaymentExpired(id, Checkout, "act_e", T);

    [Fact]
    public async Task good_streams_have_no_findings_and_bad_ones_are_each_reported()
    {
        await Stream(true, Requested, Pending, Captured);
        var capturedAfterExpiry = await Stream(true, Requested, Pending, Expired, Captured);
        var overRefunded = await Stream(true, Requested, Pending, Captured,
            id => new RefundRequested(id, Guid.Parse("0193b3a0-0000-7000-8000-0000000000a1"), 700, null, T),
            id => new RefundRequested(id, Guid.Parse("0193b3a0-0000-7000-8000-0000000000a2"), 700, null, T));
        var causeless = await Stream(false, Requested, Pending, Captured);
        var stuck = await Stream(true, Requested, Pending);

        var findings = await PaymentAudit.RunAsync(App.Store, T.AddDays(2), TimeSpan.FromDays(1), TestContext.Current.CancellationToken);

        findings.Where(f => f.PaymentId == capturedAfterExpiry).Select(f => (f.Version, f.Kind, f.Detail))
            .ShouldBe([(4L, FindingKind.IllegalTransition, "CaptureReported in Expired is not permitted")]);
        findings.Where(f => f.PaymentId == overRefunded).Select(f => f.Kind).ShouldBe([
            FindingKind.IllegalTransition, FindingKind.BalanceBreach, FindingKind.UndecidedPastDeadline, FindingKind.UndecidedPastDeadline,
        ]);
        findings.Where(f => f.PaymentId == causeless).Select(f => f.Kind).ShouldBe(Enumerable.Repeat(FindingKind.MissingCause, 3));
        findings.Where(f => f.PaymentId == stuck).Select(f => f.Kind).ShouldBe([FindingKind.UndecidedPastDeadline]);
        findings.Select(f => f.PaymentId).Distinct().Count().ShouldBe(4, "the good stream has no findings");
    }

    [Fact]
    public async Task an_empty_store_has_nothing_to_report()
    {
        (await PaymentAudit.RunAsync(App.Store, T, TimeSpan.FromDays(1), TestContext.Current.CancellationToken)).ShouldBeEmpty();
    }
}
