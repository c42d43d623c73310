using Alba;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

public class when_a_payment_is_requested_through_the_host(AppFixture app) : HostTest(app)
{
    [Fact]
    public async Task the_stream_holds_exactly_the_intent_and_the_snapshot_is_version_1()
    {
        var id = Guid.CreateVersion7();

        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(id, Given.Request()));

        var stream = await App.Store.Stream(id);
        stream.Select(e => (e.Version, e.EventTypeName)).ShouldBe([(1L, "payment_requested")]);
        stream[0].Data.ShouldBe(new PaymentRequested(id, Given.Request(), ManualClock.Start));

        var snapshot = await App.Store.Snapshot(id);
        snapshot.ShouldNotBeNull().ShouldSatisfyAllConditions(
            p => p.Version.ShouldBe(1),
            p => p.Status.ShouldBe(PaymentStatus.Requested),
            p => p.Amount.ShouldBe(1000),
            p => p.RequestedAt.ShouldBe(ManualClock.Start));
    }

    [Fact]
    public async Task an_invalid_request_stores_nothing()
    {
        var id = Guid.CreateVersion7();

        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(id, Given.Request(amount: 1001)));

        (await App.Store.Stream(id)).ShouldBeEmpty();
        (await App.Store.Snapshot(id)).ShouldBeNull();
    }
}

public class when_checkout_facts_are_applied_through_the_host(AppFixture app) : HostTest(app)
{
    private readonly Guid _id = Guid.CreateVersion7();

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(_id, Given.Request()));
    }

    private Task<ITrackedSession> Apply(PaymentFact fact) => App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, fact));

    [Fact]
    public async Task every_transition_is_an_appended_event_and_the_snapshot_follows_with_its_version()
    {
        await Apply(new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect));
        App.Clock.Advance(TimeSpan.FromMinutes(1));
        await Apply(new PaymentFact.Approved(Given.CheckoutId, "act_approve"));
        await Apply(new PaymentFact.Captured(Given.CheckoutId, "act_capture", 1000, "10000"));

        var stream = await App.Store.Stream(_id);
        stream.Select(e => (e.Version, e.EventTypeName)).ShouldBe([
            (1L, "payment_requested"), (2L, "payment_pending"), (3L, "payment_approved"), (4L, "payment_captured"),
        ]);
        var later = ManualClock.Start.AddMinutes(1);
        stream.Skip(1).Select(e => e.Data).ShouldBe([
            new PaymentPending(_id, Given.CheckoutId, Given.Redirect, ManualClock.Start),
            new PaymentApproved(_id, Given.CheckoutId, "act_approve", later),
            new PaymentCaptured(_id, Given.CheckoutId, "act_capture", 1000, "10000", later),
        ]);

        var snapshot = (await App.Store.Snapshot(_id)).ShouldNotBeNull();
        snapshot.Version.ShouldBe(4);
        snapshot.Status.ShouldBe(PaymentStatus.Captured);
        (await App.Store.StoredRevision(_id)).ShouldBe(4, "Marten's revision column is the stream version (docs/architecture.md, \"Projections\")");
        Given.Json(snapshot).ShouldBe(Given.Json(stream.Aggregate((Payment?)null, (p, e) => Payment.Evolve(p, e.Data))));
    }

    [Fact]
    public async Task a_duplicate_webhook_appends_nothing()
    {
        await Apply(new PaymentFact.Pending(Given.CheckoutId));
        await Apply(new PaymentFact.Pending(Given.CheckoutId));

        (await App.Store.Stream(_id)).Count.ShouldBe(2);
        (await App.Store.Snapshot(_id))!.Version.ShouldBe(2);
    }

    [Fact]
    public async Task a_contradiction_appends_only_the_review_flag()
    {
        await Apply(new PaymentFact.Expired(Given.CheckoutId, "act_e"));
        await Apply(new PaymentFact.Captured(Given.CheckoutId, "act_capture", 1000, "10000"));

        var stream = await App.Store.Stream(_id);
        stream.Select(e => e.EventTypeName).ShouldBe(["payment_requested", "payment_expired", "payment_flagged_for_review"]);
        var flag = stream[^1].Data.ShouldBeOfType<PaymentFlaggedForReview>();
        flag.Reason.ShouldBe("CaptureReported contradicts Expired");

        var snapshot = (await App.Store.Snapshot(_id))!;
        snapshot.Status.ShouldBe(PaymentStatus.Expired);
        snapshot.NeedsReview.ShouldBeTrue();
        snapshot.CapturedAmount.ShouldBe(0);
    }
}
