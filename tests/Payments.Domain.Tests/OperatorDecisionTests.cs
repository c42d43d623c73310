using Payments.Domain;
using Shouldly;
using static Payments.Domain.Tests.Given;

namespace Payments.Domain.Tests;

/// <summary>The operator's commands: the machine permits them (an event), finds them done (none), or refuses them.</summary>
public class when_an_operator_acts_on_a_payment
{
    private const string Cause = "http:POST /operations/payments/x/sync by admin-dev (0HN1) reason: the customer called";

    [Fact]
    public void a_sync_of_a_payment_checkout_created_records_what_it_said()
    {
        var decision = PaymentDecider.Sync(In(PaymentStatus.Captured), "Captured", At(10));

        decision.Kind.ShouldBe(DecisionKind.Applied);
        decision.Events.ShouldBe([new PaymentSynced(PaymentId, CheckoutId, "Captured", At(10))]);
    }

    [Theory]
    [InlineData(PaymentStatus.Requested)]
    [InlineData(PaymentStatus.Rejected)]
    public void a_sync_with_nothing_at_checkout_to_read_is_refused(PaymentStatus status)
    {
        var decision = PaymentDecider.Sync(In(status), "", At(10));

        decision.Kind.ShouldBe(DecisionKind.Refused);
        decision.Code.ShouldBe("action_not_allowed");
        decision.Reason.ShouldBe($"SyncRequested is not allowed in {status}.");
        decision.Events.ShouldBeEmpty();
    }

    [Fact]
    public void a_request_checkout_never_received_is_abandoned_and_fails()
    {
        var decision = PaymentDecider.Abandon(In(PaymentStatus.Requested), At(10));

        decision.Events.ShouldBe([new PaymentAbandoned(PaymentId, At(10), Amount)]);
        var after = Fold([.. History(PaymentStatus.Requested), .. decision.Events]);
        after.Status.ShouldBe(PaymentStatus.Rejected);
        after.StatusChanges[^1].ShouldBe(new StatusChange(PaymentStatus.Rejected, At(10)));
    }

    [Theory]
    [InlineData(PaymentStatus.Pending)]
    [InlineData(PaymentStatus.Captured)]
    [InlineData(PaymentStatus.Rejected)]
    public void only_a_requested_payment_can_be_abandoned(PaymentStatus status)
    {
        var decision = PaymentDecider.Abandon(In(status), At(10));

        decision.Kind.ShouldBe(DecisionKind.Refused);
        decision.Code.ShouldBe("action_not_allowed");
        decision.Events.ShouldBeEmpty();
    }

    [Fact]
    public void canceling_the_checks_of_an_undecided_payment_stops_them_once()
    {
        var decision = PaymentDecider.CancelChecks(In(PaymentStatus.Pending), At(10));

        decision.Events.ShouldBe([new FollowUpsCanceled(PaymentId, At(10))]);
        var after = Fold([.. History(PaymentStatus.Pending), .. decision.Events]);
        after.ChecksCanceled.ShouldBeTrue();
        after.Status.ShouldBe(PaymentStatus.Pending);
        PaymentDecider.CancelChecks(after, At(11)).Kind.ShouldBe(DecisionKind.NoOp);
    }

    [Fact]
    public void canceling_checks_of_a_captured_payment_needs_a_refund_in_flight()
    {
        PaymentDecider.CancelChecks(In(PaymentStatus.Captured), At(10)).Reason
            .ShouldBe("ChecksCancelRequested is not allowed in Captured: it needs a refund waits for Checkout.com; checks not yet canceled.");

        var refunding = Fold([.. History(PaymentStatus.Captured), new RefundRequested(PaymentId, FirstRefund, 300, "r1", At(4))]);
        PaymentDecider.CancelChecks(refunding, At(10)).Events.ShouldBe([new FollowUpsCanceled(PaymentId, At(10))]);
    }

    [Fact]
    public void clearing_the_review_of_a_decided_payment_removes_every_flag()
    {
        var flagged = Fold([.. History(PaymentStatus.Expired), Flag(PaymentStatus.Expired, 20), Flag(PaymentStatus.Expired, 21) with { Reason = "another" }]);

        var decision = PaymentDecider.ClearReview(flagged, At(30));

        decision.Events.ShouldBe([new ReviewCleared(PaymentId, 2, At(30))]);
        var after = decision.Events.Aggregate(flagged, (state, e) => Payment.Evolve(state, e));
        after.NeedsReview.ShouldBeFalse();
        after.Status.ShouldBe(PaymentStatus.Expired);
    }

    [Fact]
    public void clearing_the_review_of_an_undecided_payment_is_refused()
    {
        var decision = PaymentDecider.ClearReview(Flagged(PaymentStatus.Pending), At(30));

        decision.Kind.ShouldBe(DecisionKind.Refused);
        decision.Reason.ShouldBe("ReviewClearRequested is not allowed in Pending.");
    }

    [Fact]
    public void clearing_a_payment_without_flags_changes_nothing()
    {
        PaymentDecider.ClearReview(In(PaymentStatus.Captured), At(30)).Kind.ShouldBe(DecisionKind.NoOp);
    }

    [Fact]
    public void the_audit_accepts_operator_events_with_a_reason_and_flags_them_without_one()
    {
        IPaymentEvent[] events = [.. History(PaymentStatus.Requested), new FollowUpsCanceled(PaymentId, At(5)), new PaymentAbandoned(PaymentId, At(6), Amount)];
        IReadOnlyList<AuditedEvent> Stored(string cause) =>
            [.. events.Select((e, i) => new AuditedEvent(e, i + 1, e.At, e is PaymentRequested ? "http:POST /payments" : cause))];

        StreamAudit.Check(PaymentId, Stored(Cause), At(7), TimeSpan.FromHours(1)).ShouldBeEmpty();
        StreamAudit.Check(PaymentId, Stored("http:POST /operations/payments/x/settle by admin-dev (0HN1)"), At(7), TimeSpan.FromHours(1))
            .Select(f => (f.Kind, f.Version, f.Detail))
            .ShouldBe([
                (FindingKind.MissingCause, 2L, "FollowUpsCanceled has no operator's reason in its cause"),
                (FindingKind.MissingCause, 3L, "PaymentAbandoned has no operator's reason in its cause"),
            ]);
    }

    [Fact]
    public void the_audit_reports_a_review_cleared_before_the_decision()
    {
        var findings = StreamAudit.Check(PaymentId,
            [.. History(PaymentStatus.Pending).Append(new ReviewCleared(PaymentId, 0, At(5))).Select((e, i) => new AuditedEvent(e, i + 1, e.At, Cause))],
            At(6), TimeSpan.FromHours(1));

        findings.ShouldHaveSingleItem().Detail.ShouldBe("ReviewClearRequested in Pending is not permitted");
    }

    [Fact]
    public void a_cause_keeps_the_reason_apart_from_the_request()
    {
        var cause = OperatorCause.Format("http:POST /operations/payments/x/settle by admin-dev (0HN1)", "says (by me) reason: twice");

        OperatorCause.RequestOf(cause).ShouldBe("http:POST /operations/payments/x/settle by admin-dev (0HN1)");
        OperatorCause.ReasonOf(cause).ShouldBe("says (by me) reason: twice");
        OperatorCause.ReasonOf("webhook:evt_1").ShouldBeNull();
    }
}
