using Payments.Domain;
using Shouldly;
using static Payments.Domain.Tests.Given;

namespace Payments.Domain.Tests;

/// <summary>Given events, when a fact or command arrives, then exactly these events (or none, or a refusal).</summary>
public class when_a_payment_is_requested
{
    [Fact]
    public void a_valid_request_records_the_intent_first()
    {
        var decision = PaymentDecider.Request(PaymentId, ValidRequest, At(0));

        decision.Kind.ShouldBe(DecisionKind.Applied);
        decision.Events.ShouldBe([new PaymentRequested(PaymentId, ValidRequest, At(0))]);
        Fold(decision.Events).Status.ShouldBe(PaymentStatus.Requested);
    }

    [Fact]
    public void an_invalid_request_is_refused_with_every_error_and_no_events()
    {
        var decision = PaymentDecider.Request(PaymentId, ValidRequest with { Amount = 1001, Language = "fr" }, At(0));

        decision.Kind.ShouldBe(DecisionKind.Refused);
        decision.Code.ShouldBe("request_invalid");
        decision.Events.ShouldBeEmpty();
        decision.Errors.Select(e => e.Code).ShouldBe(["amount_invalid", "source_language_invalid"]);
    }
}

public class when_checkout_answers_the_request
{
    [Fact]
    public void acceptance_makes_the_payment_pending_with_its_redirect()
    {
        var decision = PaymentDecider.Decide(In(PaymentStatus.Requested), FactFor(PaymentTrigger.CheckoutAccepted)!, At(1));

        decision.Events.ShouldBe([new PaymentPending(PaymentId, CheckoutId, Redirect, At(1))]);
    }

    [Fact]
    public void refusal_rejects_the_payment_keeping_checkouts_error_codes()
    {
        var decision = PaymentDecider.Decide(In(PaymentStatus.Requested),
            new PaymentFact.Rejected(422, "request_invalid", ["payee_not_onboarded"], "0HL80RJLS76I7"), At(1));

        decision.Events.Single().ShouldBeOfType<PaymentRejected>().ErrorCodes.ShouldBe(["payee_not_onboarded"]);
        Fold([.. History(PaymentStatus.Requested), .. decision.Events]).Status.ShouldBe(PaymentStatus.Rejected);
    }

    [Fact]
    public void no_answer_keeps_the_payment_requested_and_says_so()
    {
        var decision = PaymentDecider.Decide(In(PaymentStatus.Requested), new PaymentFact.NoAnswer("timeout"), At(1));

        decision.Events.ShouldBe([new PaymentOutcomeUnknown(PaymentId, "timeout", At(1))]);
        Fold([.. History(PaymentStatus.Requested), .. decision.Events]).Status.ShouldBe(PaymentStatus.Requested);
    }

    [Fact]
    public void the_answer_after_a_pending_webhook_still_records_the_redirect()
    {
        IPaymentEvent[] history = [.. History(PaymentStatus.Requested), new PaymentPending(PaymentId, CheckoutId, null, At(1))];

        var decision = PaymentDecider.Decide(Fold(history), FactFor(PaymentTrigger.CheckoutAccepted)!, At(2));

        decision.Events.ShouldBe([new PaymentPending(PaymentId, CheckoutId, Redirect, At(2))]);
        Fold([.. history, .. decision.Events]).RedirectUrl.ShouldBe(Redirect);
    }

    [Fact]
    public void a_second_answer_with_the_redirect_known_is_a_no_op()
    {
        PaymentDecider.Decide(In(PaymentStatus.Pending), FactFor(PaymentTrigger.CheckoutAccepted)!, At(2))
            .Kind.ShouldBe(DecisionKind.NoOp);
    }
}

public class when_webhooks_arrive_out_of_order
{
    [Fact]
    public void captured_before_capture_pending_ends_captured()
    {
        var events = new List<IPaymentEvent>(History(PaymentStatus.Pending));
        foreach (var fact in new[] { FactFor(PaymentTrigger.CaptureReported)!, FactFor(PaymentTrigger.ApprovalReported)! })
        {
            events.AddRange(PaymentDecider.Decide(Fold(events), fact, At(5)).Events);
        }

        events.Skip(2).ShouldBe([new PaymentCaptured(PaymentId, CheckoutId, "act_capture", Amount, "10000", At(5))]);
        Fold(events).Status.ShouldBe(PaymentStatus.Captured);
    }

    [Fact]
    public void webhooks_that_beat_the_api_answer_decide_the_payment()
    {
        var decision = PaymentDecider.Decide(In(PaymentStatus.Requested), FactFor(PaymentTrigger.CaptureReported)!, At(1));

        decision.Events.ShouldBe([new PaymentCaptured(PaymentId, CheckoutId, "act_capture", Amount, "10000", At(1))]);
        Fold([.. History(PaymentStatus.Requested), .. decision.Events]).CheckoutPaymentId.ShouldBe(CheckoutId);
    }

    [Fact]
    public void duplicate_webhook_is_a_no_op()
    {
        PaymentDecider.Decide(In(PaymentStatus.Captured), FactFor(PaymentTrigger.CaptureReported)!, At(9))
            .ShouldSatisfyAllConditions(d => d.Kind.ShouldBe(DecisionKind.NoOp), d => d.Events.ShouldBeEmpty());
    }

    [Fact]
    public void capture_pending_after_captured_is_late_and_changes_nothing()
    {
        PaymentDecider.Decide(In(PaymentStatus.Captured), FactFor(PaymentTrigger.ApprovalReported)!, At(9))
            .Kind.ShouldBe(DecisionKind.NoOp);
    }

    [Fact]
    public void expiry_after_cancellation_is_the_same_failure_and_changes_nothing()
    {
        PaymentDecider.Decide(In(PaymentStatus.Canceled), FactFor(PaymentTrigger.ExpiryReported)!, At(9))
            .Kind.ShouldBe(DecisionKind.NoOp);
    }
}

public class when_checkout_contradicts_what_we_know
{
    [Fact]
    public void captured_after_expired_is_flagged_for_review_and_not_applied()
    {
        var decision = PaymentDecider.Decide(In(PaymentStatus.Expired), FactFor(PaymentTrigger.CaptureReported)!, At(9));

        decision.Kind.ShouldBe(DecisionKind.Flagged);
        var flag = decision.Events.Single().ShouldBeOfType<PaymentFlaggedForReview>();
        flag.StatusAtFlag.ShouldBe(PaymentStatus.Expired);
        flag.Reason.ShouldBe("CaptureReported contradicts Expired");
        flag.Fact.ShouldContain(CheckoutId);

        var after = Fold([.. History(PaymentStatus.Expired), .. decision.Events]);
        after.Status.ShouldBe(PaymentStatus.Expired);
        after.CapturedAmount.ShouldBe(0);
        after.NeedsReview.ShouldBeTrue();
    }

    [Fact]
    public void a_capture_of_another_amount_is_flagged_naming_the_guard()
    {
        var decision = PaymentDecider.Decide(In(PaymentStatus.CapturePending),
            new PaymentFact.Captured(CheckoutId, "act_c", 990, "10000"), At(3));

        decision.Kind.ShouldBe(DecisionKind.Flagged);
        decision.Reason.ShouldBe("CaptureReported in CapturePending fails: captured amount equals requested amount");
    }

    [Fact]
    public void a_fact_about_another_checkout_payment_is_flagged()
    {
        var decision = PaymentDecider.Decide(In(PaymentStatus.Pending),
            new PaymentFact.Captured("pay_aaaaaaaaaaaaaaaaaaaaaaaaaa", "act_c", Amount, "10000"), At(3));

        decision.Kind.ShouldBe(DecisionKind.Flagged);
        decision.Reason.ShouldContain("pay_aaaaaaaaaaaaaaaaaaaaaaaaaa");
    }

    [Fact]
    public void cancellation_after_capture_is_flagged()
    {
        PaymentDecider.Decide(In(PaymentStatus.Captured), FactFor(PaymentTrigger.CancellationReported)!, At(9))
            .Kind.ShouldBe(DecisionKind.Flagged);
    }
}

public class when_knet_details_are_read
{
    [Fact]
    public void new_details_are_recorded_once()
    {
        var decision = PaymentDecider.Decide(In(PaymentStatus.Captured), FactFor(PaymentTrigger.KnetDetailsReported)!, At(4));
        decision.Events.ShouldBe([new KnetDetailsRecorded(PaymentId, CheckoutId, Details, At(4))]);

        var after = Fold([.. History(PaymentStatus.Captured), .. decision.Events]);
        after.Knet.ShouldBe(Details);
        PaymentDecider.Decide(after, FactFor(PaymentTrigger.KnetDetailsReported)!, At(5)).Kind.ShouldBe(DecisionKind.NoOp);
    }
}

public class when_a_payment_changes_status
{
    [Fact]
    public void the_fold_keeps_the_time_of_every_status_change()
    {
        Fold(History(PaymentStatus.PartiallyRefunded)).StatusChanges.ShouldBe([
            new StatusChange(PaymentStatus.Requested, At(0)), new StatusChange(PaymentStatus.Pending, At(1)),
            new StatusChange(PaymentStatus.CapturePending, At(2)), new StatusChange(PaymentStatus.Captured, At(3)),
            new StatusChange(PaymentStatus.PartiallyRefunded, At(5)),
        ]);
    }
}
