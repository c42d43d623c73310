using Payments.Domain;
using Shouldly;
using static Payments.Domain.Tests.Given;

namespace Payments.Domain.Tests;

public class when_refunds_are_requested
{
    private static readonly Guid Second = Guid.Parse("0193b3a0-0000-7000-8000-0000000000f2");

    [Fact]
    public void a_partial_refund_reserves_its_amount()
    {
        var decision = PaymentDecider.RequestRefund(In(PaymentStatus.Captured), FirstRefund, 400, "r1", At(4));

        decision.Events.ShouldBe([new RefundRequested(PaymentId, FirstRefund, 400, "r1", At(4))]);
        var after = Fold([.. History(PaymentStatus.Captured), .. decision.Events]);
        after.ShouldSatisfyAllConditions(
            p => p.InFlightRefundAmount.ShouldBe(400),
            p => p.RefundableAmount.ShouldBe(600),
            p => p.Status.ShouldBe(PaymentStatus.Captured));
    }

    [Fact]
    public void no_amount_means_the_whole_refundable_balance()
    {
        PaymentDecider.RequestRefund(In(PaymentStatus.PartiallyRefunded), Second, null, null, At(6))
            .Events.ShouldBe([new RefundRequested(PaymentId, Second, 700, null, At(6))]);
    }

    [Fact]
    public void refund_beyond_captured_is_rejected()
    {
        var decision = PaymentDecider.RequestRefund(In(PaymentStatus.Captured), FirstRefund, 1010, null, At(4));

        decision.ShouldSatisfyAllConditions(
            d => d.Kind.ShouldBe(DecisionKind.Refused),
            d => d.Code.ShouldBe("refund_amount_invalid"),
            d => d.Reason.ShouldBe("1.010 KWD exceeds the refundable balance of 1.000 KWD."),
            d => d.Events.ShouldBeEmpty());
    }

    [Fact]
    public void refund_beyond_what_is_left_after_refunds_in_flight_is_rejected()
    {
        var payment = Fold([.. History(PaymentStatus.Captured), new RefundRequested(PaymentId, FirstRefund, 800, null, At(4))]);

        PaymentDecider.RequestRefund(payment, Second, 300, null, At(5)).Code.ShouldBe("refund_amount_invalid");
        PaymentDecider.RequestRefund(payment, Second, 200, null, At(5)).Kind.ShouldBe(DecisionKind.Applied);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-10)]
    [InlineData(105)]
    public void an_amount_breaking_the_kwd_rule_is_rejected(long amount)
    {
        PaymentDecider.RequestRefund(In(PaymentStatus.Captured), FirstRefund, amount, null, At(4))
            .Code.ShouldBe("refund_amount_invalid");
    }

    [Theory]
    [InlineData(PaymentStatus.Requested)]
    [InlineData(PaymentStatus.Pending)]
    [InlineData(PaymentStatus.CapturePending)]
    [InlineData(PaymentStatus.Refunded)]
    [InlineData(PaymentStatus.Rejected)]
    [InlineData(PaymentStatus.Declined)]
    [InlineData(PaymentStatus.Canceled)]
    [InlineData(PaymentStatus.Expired)]
    public void a_payment_that_is_not_captured_is_not_refundable(PaymentStatus status)
    {
        var decision = PaymentDecider.RequestRefund(In(status), Second, 100, null, At(9));

        decision.Code.ShouldBe("payment_not_refundable");
        decision.Reason.ShouldBe($"A {status} payment cannot be refunded.");
    }

    [Fact]
    public void the_same_refund_id_twice_changes_nothing()
    {
        PaymentDecider.RequestRefund(In(PaymentStatus.PartiallyRefunded), FirstRefund, 100, null, At(9))
            .Kind.ShouldBe(DecisionKind.NoOp);
    }

    [Fact]
    public void a_too_long_reference_is_rejected()
    {
        PaymentDecider.RequestRefund(In(PaymentStatus.Captured), Second, 100, new string('r', 51), At(9))
            .Code.ShouldBe("refund_reference_invalid");
    }
}

public class when_refund_outcomes_arrive
{
    private static readonly Guid Second = Guid.Parse("0193b3a0-0000-7000-8000-0000000000f2");

    private static List<IPaymentEvent> CapturedWithRefund(long amount) =>
        [.. History(PaymentStatus.Captured), new RefundRequested(PaymentId, FirstRefund, amount, "r1", At(4))];

    private static List<IPaymentEvent> Play(List<IPaymentEvent> events, params RefundFact[] facts)
    {
        foreach (var fact in facts)
        {
            events.AddRange(PaymentDecider.Decide(Fold(events), fact, At(10)).Events);
        }

        return events;
    }

    [Fact]
    public void partial_refunds_lead_to_partially_refunded_then_refunded()
    {
        var events = Play(CapturedWithRefund(400),
            new RefundFact.Accepted(FirstRefund, "act_r1"),
            new RefundFact.Refunded(CheckoutId, "act_r1", FirstRefund, 400));
        Fold(events).Status.ShouldBe(PaymentStatus.PartiallyRefunded);

        events.AddRange(PaymentDecider.RequestRefund(Fold(events), Second, null, "r2", At(11)).Events);
        Play(events, new RefundFact.Pending(CheckoutId, "act_r2", Second), new RefundFact.Refunded(CheckoutId, "act_r2", null, 600));

        events.Skip(History(PaymentStatus.Captured).Length).ShouldBe([
            new RefundRequested(PaymentId, FirstRefund, 400, "r1", At(4)),
            new RefundPending(PaymentId, FirstRefund, "act_r1", At(10)),
            new RefundSucceeded(PaymentId, FirstRefund, "act_r1", 400, At(10)),
            new RefundRequested(PaymentId, Second, 600, "r2", At(11)),
            new RefundPending(PaymentId, Second, "act_r2", At(10)),
            new RefundSucceeded(PaymentId, Second, "act_r2", 600, At(10)),
        ]);
        var payment = Fold(events);
        payment.Status.ShouldBe(PaymentStatus.Refunded);
        payment.RefundedAmount.ShouldBe(payment.CapturedAmount);
        payment.RefundableAmount.ShouldBe(0);
    }

    [Fact]
    public void a_declined_refund_releases_its_amount()
    {
        var events = Play(CapturedWithRefund(1000),
            new RefundFact.Pending(CheckoutId, "act_r1", FirstRefund),
            new RefundFact.Declined(CheckoutId, "act_r1", null, "20006", "Error / Invalid Request Parameters"));

        events[^1].ShouldBe(new RefundDeclined(PaymentId, FirstRefund, "act_r1", "20006",
            "Error / Invalid Request Parameters", [], At(10), 1000), new SameJson());
        var payment = Fold(events);
        payment.RefundableAmount.ShouldBe(1000);
        payment.Status.ShouldBe(PaymentStatus.Captured);
    }

    [Fact]
    public void refunded_webhook_before_the_api_answer_succeeds_the_refund_found_by_reference()
    {
        var events = Play(CapturedWithRefund(300),
            new RefundFact.Refunded(CheckoutId, "act_r1", FirstRefund, 300),
            new RefundFact.Accepted(FirstRefund, "act_r1"),
            new RefundFact.Pending(CheckoutId, "act_r1", FirstRefund));

        events[^1].ShouldBe(new RefundSucceeded(PaymentId, FirstRefund, "act_r1", 300, At(10)));
        Fold(events).Refunds.Single().Status.ShouldBe(RefundStatus.Succeeded);
    }

    [Fact]
    public void a_duplicate_refunded_webhook_counts_once()
    {
        var events = Play(CapturedWithRefund(300),
            new RefundFact.Refunded(CheckoutId, "act_r1", FirstRefund, 300),
            new RefundFact.Refunded(CheckoutId, "act_r1", null, 300));

        Fold(events).RefundedAmount.ShouldBe(300);
    }

    [Fact]
    public void a_refund_nobody_here_requested_is_flagged()
    {
        var decision = PaymentDecider.Decide(In(PaymentStatus.Captured),
            new RefundFact.Refunded(CheckoutId, "act_dashboard", null, 500), At(9));

        decision.Kind.ShouldBe(DecisionKind.Flagged);
        decision.Reason.ShouldBe("no refund requested by this service matches it");
    }

    [Fact]
    public void refunded_after_declined_is_flagged_about_that_refund()
    {
        var events = Play(CapturedWithRefund(300), new RefundFact.Declined(CheckoutId, "act_r1", FirstRefund, "20006", null));

        var decision = PaymentDecider.Decide(Fold(events), new RefundFact.Refunded(CheckoutId, "act_r1", null, 300), At(11));

        decision.Kind.ShouldBe(DecisionKind.Flagged);
        // The flag carries the refund as data, so the sweeper leaves exactly that refund's check to the operator.
        decision.Events.Single().ShouldBeOfType<PaymentFlaggedForReview>().RefundId.ShouldBe(FirstRefund);
        events.AddRange(decision.Events);
        Fold(events).ReviewFlags.Single().RefundId.ShouldBe(FirstRefund);
    }

    [Fact]
    public void a_flag_about_the_payment_names_no_refund()
    {
        PaymentDecider.Decide(In(PaymentStatus.Captured), new RefundFact.Refunded(CheckoutId, "act_dashboard", null, 500), At(9))
            .Events.Single().ShouldBeOfType<PaymentFlaggedForReview>().RefundId.ShouldBeNull();
        PaymentDecider.FlagForReview(In(PaymentStatus.Captured), "KNET's record still missing", At(9))
            .Events.Single().ShouldBeOfType<PaymentFlaggedForReview>().RefundId.ShouldBeNull();
    }

    [Fact]
    public void a_refund_of_another_amount_is_flagged()
    {
        PaymentDecider.Decide(Fold(CapturedWithRefund(300)), new RefundFact.Refunded(CheckoutId, "act_r1", FirstRefund, 400), At(9))
            .Reason.ShouldBe($"refund {FirstRefund}: RefundReported in Requested fails: refunded amount equals requested amount");
    }

    [Fact]
    public void checkout_refusing_the_refund_call_declines_it_with_its_codes()
    {
        var events = Play(CapturedWithRefund(300), new RefundFact.Refused(FirstRefund, 422, ["refund_amount_exceeds_balance"]));

        var declined = events[^1].ShouldBeOfType<RefundDeclined>();
        declined.ErrorCodes.ShouldBe(["refund_amount_exceeds_balance"]);
        Fold(events).RefundableAmount.ShouldBe(1000);
    }
}

/// <summary>Events holding lists compare those lists by reference; compare them by their JSON instead.</summary>
internal sealed class SameJson : IEqualityComparer<IPaymentEvent>
{
    public bool Equals(IPaymentEvent? x, IPaymentEvent? y) => Given.Json(x) == Given.Json(y);
    public int GetHashCode(IPaymentEvent obj) => Given.Json(obj).GetHashCode(StringComparison.Ordinal);
}
