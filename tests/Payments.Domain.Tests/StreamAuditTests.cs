using Payments.Domain;
using Shouldly;
using static Payments.Domain.Tests.Given;

namespace Payments.Domain.Tests;

public class when_an_auditor_replays_streams
{
    private static readonly TimeSpan Deadline = TimeSpan.FromHours(1);

    private static IReadOnlyList<AuditedEvent> Stored(IEnumerable<IPaymentEvent> events, string? cause = "http:test") =>
        [.. events.Select((e, i) => new AuditedEvent(e, i + 1, e.At, cause))];

    private static IReadOnlyList<AuditFinding> Audit(IEnumerable<IPaymentEvent> events, string? cause = "http:test") =>
        StreamAudit.Check(PaymentId, Stored(events, cause), At(30), Deadline);

    [Theory]
    [InlineData(PaymentStatus.Captured)]
    [InlineData(PaymentStatus.PartiallyRefunded)]
    [InlineData(PaymentStatus.Refunded)]
    [InlineData(PaymentStatus.Rejected)]
    [InlineData(PaymentStatus.Declined)]
    [InlineData(PaymentStatus.Canceled)]
    [InlineData(PaymentStatus.Expired)]
    public void a_history_the_machine_wrote_has_no_findings(PaymentStatus status) => Audit(History(status)).ShouldBeEmpty();

    [Fact]
    public void a_capture_written_after_expiry_is_an_illegal_transition()
    {
        var findings = Audit([.. History(PaymentStatus.Expired), new PaymentCaptured(PaymentId, CheckoutId, "act_c", Amount, "10000", At(3))]);

        findings.ShouldHaveSingleItem().ShouldSatisfyAllConditions(
            f => f.Kind.ShouldBe(FindingKind.IllegalTransition),
            f => f.Version.ShouldBe(4),
            f => f.Detail.ShouldBe("CaptureReported in Expired is not permitted"));
    }

    [Fact]
    public void a_duplicate_written_anyway_is_reported()
    {
        Audit([.. History(PaymentStatus.Captured), new PaymentCaptured(PaymentId, CheckoutId, "act_c", Amount, "10000", At(4))])
            .Single().Detail.ShouldBe("CaptureReported in Captured is a no-op that was written anyway");
    }

    [Fact]
    public void refunds_beyond_the_capture_are_a_balance_breach()
    {
        var second = Guid.CreateVersion7();
        var findings = Audit([
            .. History(PaymentStatus.Captured),
            new RefundRequested(PaymentId, FirstRefund, 800, null, At(4)),
            new RefundRequested(PaymentId, second, 800, null, At(5)),
        ]);

        findings.Select(f => f.Kind).ShouldBe([FindingKind.IllegalTransition, FindingKind.BalanceBreach]);
        findings[1].Detail.ShouldBe("refunded 0.000 KWD + in flight 1.600 KWD > captured 1.000 KWD");
    }

    [Fact]
    public void a_refund_that_was_never_requested_is_reported()
    {
        Audit([.. History(PaymentStatus.Captured), new RefundSucceeded(PaymentId, FirstRefund, "act_r", 100, At(4))])
            .Select(f => f.Kind).ShouldContain(FindingKind.IllegalTransition);
    }

    [Fact]
    public void payments_and_refunds_undecided_past_the_deadline_are_reported()
    {
        var twoHoursLater = At(120);

        StreamAudit.Check(PaymentId, Stored(History(PaymentStatus.Pending)), twoHoursLater, Deadline)
            .Single().Kind.ShouldBe(FindingKind.UndecidedPastDeadline);
        StreamAudit.Check(PaymentId, Stored([.. History(PaymentStatus.Captured), new RefundRequested(PaymentId, FirstRefund, 100, null, At(4))]), twoHoursLater, Deadline)
            .Single().Detail.ShouldStartWith($"refund {FirstRefund} Requested since");
        StreamAudit.Check(PaymentId, Stored(History(PaymentStatus.Pending)), At(30), Deadline).ShouldBeEmpty();
    }

    [Fact]
    public void events_without_a_cause_are_reported_one_by_one()
    {
        Audit(History(PaymentStatus.Captured), cause: null).Select(f => (f.Kind, f.Version))
            .ShouldBe([(FindingKind.MissingCause, 1L), (FindingKind.MissingCause, 2L), (FindingKind.MissingCause, 3L), (FindingKind.MissingCause, 4L)]);
    }

    [Fact]
    public void a_stream_that_does_not_start_with_the_request_is_reported()
    {
        Audit([new PaymentCaptured(PaymentId, CheckoutId, "act_c", Amount, "10000", At(1))]).Single().Detail
            .ShouldBe("the stream starts with PaymentCaptured, not PaymentRequested");
    }
}
