using FsCheck;
using FsCheck.Xunit;
using Payments.Domain;
using Shouldly;
using static Payments.Domain.Tests.Given;

namespace Payments.Domain.Tests;

/// <summary>
/// Random scripts of refund requests, Checkout.com outcomes, duplicates and reorderings, driven through the real
/// decisions. Whatever the order, money never leaves beyond what was captured, and the fold is deterministic.
/// </summary>
public class PropertyTests
{
    private const int OperationKinds = 8;

    [Property(MaxTest = 400)]
    public void refunds_in_any_interleaving_never_exceed_the_captured_amount(PositiveInt size, int[] script)
    {
        var amount = 10L * (1 + (size.Get % 200));
        var events = new List<IPaymentEvent>(History(PaymentStatus.Pending))
        {
            new PaymentCaptured(PaymentId, CheckoutId, "act_capture", amount, "10000", At(3)),
        };
        events[0] = new PaymentRequested(PaymentId, ValidRequest with { Amount = amount }, At(0));
        var refunds = new List<Guid>();
        var delivered = new List<RefundFact>();
        var now = At(4);

        foreach (var step in script)
        {
            var x = (long)step & int.MaxValue;
            var payment = Fold(events);
            var target = refunds.Count == 0 ? (Guid?)null : refunds[(int)(x / OperationKinds % refunds.Count)];
            var refund = target is { } id ? payment.FindRefund(id) : null;
            var action = refund is null ? null : $"act_{refunds.IndexOf(refund.Id)}";
            now = now.AddSeconds(1);

            RefundFact? fact = null;
            Decision? decision = null;
            switch (x % OperationKinds)
            {
                case 0:
                    var newId = Guid.CreateVersion7(now);
                    decision = PaymentDecider.RequestRefund(payment, newId, 10 * (1 + (x / 40 % 60)), null, now);
                    if (decision.Kind == DecisionKind.Applied) { refunds.Add(newId); }
                    break;
                case 1:
                    var wholeId = Guid.CreateVersion7(now);
                    decision = PaymentDecider.RequestRefund(payment, wholeId, null, null, now);
                    if (decision.Kind == DecisionKind.Applied) { refunds.Add(wholeId); }
                    break;
                case 2 when refund is not null: fact = new RefundFact.Accepted(refund.Id, action!); break;
                case 3 when refund is not null: fact = new RefundFact.Pending(CheckoutId, action!, refund.Id); break;
                case 4 when refund is not null: fact = new RefundFact.Refunded(CheckoutId, action!, refund.Id, refund.Amount); break;
                case 5 when refund is not null: fact = new RefundFact.Declined(CheckoutId, action!, refund.Id, "20006", null); break;
                case 6 when refund is not null: fact = new RefundFact.Refused(refund.Id, 422, ["refund_amount_exceeds_balance"]); break;
                case 7 when delivered.Count > 0: fact = delivered[(int)(x / OperationKinds % delivered.Count)]; break;
            }

            if (fact is not null)
            {
                delivered.Add(fact);
                decision = PaymentDecider.Decide(payment, fact, now);
            }

            events.AddRange(decision?.Events ?? []);
            AssertMoneyInvariants(Fold(events));
        }

        // Whatever the decisions wrote, the auditor replays without an illegal transition or a breach.
        StreamAudit.Check(PaymentId, [.. events.Select((e, i) => new AuditedEvent(e, i + 1, e.At, "test"))], now, TimeSpan.FromDays(365))
            .ShouldBeEmpty();
    }

    [Property(MaxTest = 200)]
    public void the_fold_is_deterministic_and_equals_step_by_step_application(int[] script)
    {
        var events = new List<IPaymentEvent>(History(PaymentStatus.Captured));
        var now = At(4);
        foreach (var step in script.Take(30))
        {
            now = now.AddSeconds(1);
            var payment = Fold(events);
            var id = Guid.CreateVersion7(now);
            events.AddRange(PaymentDecider.RequestRefund(payment, id, 10 * (1 + ((step & 0xff) % 50)), null, now).Events);
            if ((step & 0x100) != 0 && payment.Refunds.LastOrDefault(r => r.IsInFlight) is { } open)
            {
                events.AddRange(PaymentDecider.Decide(payment,
                    new RefundFact.Refunded(CheckoutId, $"act_{open.Id:N}", open.Id, open.Amount), now).Events);
            }
        }

        Payment? stepwise = null;
        foreach (var e in events)
        {
            stepwise = Payment.Evolve(stepwise, e);
        }

        Json(Fold(events)).ShouldBe(Json(Fold(events)));
        Json(stepwise).ShouldBe(Json(Fold(events)));
        stepwise!.Version.ShouldBe(events.Count);
    }

    [Property(MaxTest = 300)]
    public void the_happy_path_in_any_order_with_duplicates_ends_captured(int[] order)
    {
        PaymentFact[] facts =
        [
            FactFor(PaymentTrigger.CheckoutAccepted)!, FactFor(PaymentTrigger.PendingReported)!,
            FactFor(PaymentTrigger.ApprovalReported)!, FactFor(PaymentTrigger.CaptureReported)!,
        ];
        var sequence = order.Select(i => facts[(i & int.MaxValue) % facts.Length]).Concat(facts).ToList();
        var events = new List<IPaymentEvent>(History(PaymentStatus.Requested));

        foreach (var fact in sequence)
        {
            events.AddRange(PaymentDecider.Decide(Fold(events), fact, At(5)).Events);
        }

        var payment = Fold(events);
        payment.ShouldSatisfyAllConditions(
            p => p.Status.ShouldBe(PaymentStatus.Captured),
            p => p.CapturedAmount.ShouldBe(Amount),
            p => p.CheckoutPaymentId.ShouldBe(CheckoutId),
            p => p.NeedsReview.ShouldBeFalse());
        events.OfType<PaymentCaptured>().Count().ShouldBe(1);
    }

    private static void AssertMoneyInvariants(Payment payment) =>
        payment.ShouldSatisfyAllConditions(
            p => (p.RefundedAmount + p.InFlightRefundAmount).ShouldBeLessThanOrEqualTo(p.CapturedAmount),
            p => p.RefundableAmount.ShouldBeGreaterThanOrEqualTo(0),
            p => (p.Status == PaymentStatus.Refunded).ShouldBe(p.RefundedAmount == p.CapturedAmount),
            p => (p.Status == PaymentStatus.PartiallyRefunded).ShouldBe(p.RefundedAmount > 0 && p.RefundedAmount < p.CapturedAmount),
            p => p.Refunds.Count(r => r.Status == RefundStatus.Succeeded).ShouldBe(p.Refunds.Where(r => r.Status == RefundStatus.Succeeded).Select(r => r.Id).Distinct().Count()));
}
