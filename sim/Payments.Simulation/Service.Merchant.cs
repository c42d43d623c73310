using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.Payments;
using Wolverine;

namespace Payments.Simulation;

/// <summary>The merchant's requests, as the host's endpoints run them.</summary>
internal sealed partial class Service
{
    // ---- the merchant's requests (RequestPaymentEndpoint, RefundPaymentEndpoint) -------------------------------------

    /// <summary><c>POST /payments</c>: the intent with its first ask-again, the call, the answer applied.</summary>
    public void CreatePayment(PaymentRun run, int attempt)
    {
        sim.Log(run, $"merchant: POST /payments {Kwd.Format(run.Plan.Amount)} (attempt {attempt})");
        var request = World.Request(run);
        if (Store.Load(run.Id) is null)
        {
            if (Crashes(run, "before the intent"))
            {
                MerchantFailed(run, () => CreatePayment(run, attempt + 1));
                return;
            }

            // RequestPaymentHandler
            var decision = PaymentDecider.Request(run.Id, request, Scheduler.Now);
            var outgoing = new OutgoingMessages();
            if (decision.Kind == DecisionKind.Applied)
            {
                outgoing.Delay(new ResolvePaymentRequest(run.Id, 1), RequestPaymentHandler.FirstAskAgain(sim.Timings, sim.CheckoutOptions));
            }

            Commit(run, null, decision.Events, MerchantCause, outgoing);
        }

        if (Crashes(run, "after the intent"))
        {
            MerchantFailed(run, () => CreatePayment(run, attempt + 1));
            return;
        }

        if (Store.Load(run.Id) is not { } stored || !RequestPaymentHandler.AwaitsAnswer(stored, Scheduler.Now))
        {
            Answer(run);
            return;
        }

        var (answer, after) = sim.Acquirer.RequestPayment(run, run.Id, request);
        Scheduler.After(after, () =>
        {
            if (Crashes(run, "after Checkout.com answered"))
            {
                MerchantFailed(run, () => CreatePayment(run, attempt + 1));
                return;
            }

            Apply(run, new ApplyPaymentFact(run.Id, PaymentFactOf(answer), MerchantCause));
            if (Crashes(run, "after the answer was applied"))
            {
                MerchantFailed(run, () => CreatePayment(run, attempt + 1));
                return;
            }

            Answer(run);
        });
    }

    private void Answer(PaymentRun run)
    {
        var payment = Store.Load(run.Id)!;
        var code = RequestPaymentEndpoint.StatusCodeOf(payment);
        sim.Log(run, $"merchant: {code} {payment.Status}{(payment.RedirectUrl is null ? "" : " with the KNET link")}");
        if (code == 201 && payment.RedirectUrl is null && payment.Status == PaymentStatus.Pending)
        {
            run.AnsweredWithoutLink = true;
        }

        GiveLink(run, payment);
        if (code == 202)
        {
            // Accepted without KNET's link: the merchant reads the payment until the link is there (README, POST /payments).
            Scheduler.After(MerchantPollsAfter, () => Poll(run, MerchantPolls));
        }
    }

    private static readonly TimeSpan MerchantPollsAfter = TimeSpan.FromSeconds(20);
    private const int MerchantPolls = 15;

    /// <summary><c>GET /payments/{id}</c> by a merchant answered 202, every 20 s for 5 minutes.</summary>
    private void Poll(PaymentRun run, int left)
    {
        var payment = Store.Load(run.Id)!;
        sim.Log(run, $"merchant: GET /payments/{{id}} → {payment.Status}{(payment.RedirectUrl is null ? "" : " with the KNET link")}");
        GiveLink(run, payment);
        if (payment.RedirectUrl is null && payment.Status is PaymentStatus.Requested or PaymentStatus.Pending && left > 1)
        {
            Scheduler.After(MerchantPollsAfter, () => Poll(run, left - 1));
        }
    }

    private void GiveLink(PaymentRun run, Payment payment)
    {
        if (payment.RedirectUrl is not null && !run.CustomerHasLink)
        {
            run.CustomerHasLink = true;
            if (run.Plan.Choice != CustomerChoice.LeavesThePageOpen)
            {
                Scheduler.After(run.Plan.CustomerTakes, () => sim.Acquirer.CustomerActs(run));
            }
        }
    }

    /// <summary><c>POST /payments/{id}/refunds</c>: the reservation with its first ask-again, the call, the answer applied.</summary>
    public void RequestRefund(PaymentRun run, PlannedRefund planned, Guid refundId, int attempt, int triesLeft)
    {
        var name = RefundName(refundId);
        sim.Log(run, $"merchant: POST /payments/{{id}}/refunds {(planned.Amount is { } a ? Kwd.Format(a) : "(the rest)")} as {name} (attempt {attempt})");
        if (Store.Load(run.Id) is not { } payment)
        {
            sim.Log(run, "merchant: 404");
            return;
        }

        if (Crashes(run, "before the reservation"))
        {
            MerchantFailed(run, () => RequestRefund(run, planned, refundId, attempt + 1, triesLeft));
            return;
        }

        var command = new ReserveRefund(run.Id, refundId, planned.Amount, null, MerchantCause);
        var decidedOn = sim.Options.Mutation.HasFlag(Mutation.RefundIgnoresInFlight)
            ? payment with { Refunds = [.. payment.Refunds.Select(r => r.IsInFlight && r.Id != refundId ? r with { Amount = 0 } : r)] }
            : payment;
        var (reservation, events, outgoing) = ReserveRefundHandler.Decide(command, decidedOn, sim.Timings, sim.CheckoutOptions, Scheduler.Now);
        Commit(run, null, events.Cast<IPaymentEvent>(), MerchantCause, outgoing);
        if (reservation.Refund is null)
        {
            sim.Log(run, $"merchant: {reservation.Decision.Code} ({reservation.Decision.Reason})");
            if (reservation.Decision.Code == PaymentDecider.PaymentNotRefundable && triesLeft > 0)
            {
                // A new request (a new Idempotency-Key): the stored refusal would answer the same key again.
                Scheduler.After(TimeSpan.FromMinutes(15), () => RequestRefund(run, planned, run.NewGuid(), 1, triesLeft - 1));
            }

            return;
        }

        var refund = Store.Load(run.Id)!.FindRefund(refundId)!;
        if (Crashes(run, "after the reservation"))
        {
            MerchantFailed(run, () => RequestRefund(run, planned, refundId, attempt + 1, triesLeft));
            return;
        }

        if (refund.Status != RefundStatus.Requested)
        {
            sim.Log(run, $"merchant: 202 {name} {refund.Status}");
            return;
        }

        var (answer, after) = sim.Acquirer.Refund(run, Store.Load(run.Id)!.CheckoutPaymentId!, refundId, refund.Amount);
        Scheduler.After(after, () =>
        {
            if (Crashes(run, "after Checkout.com answered the refund"))
            {
                MerchantFailed(run, () => RequestRefund(run, planned, refundId, attempt + 1, triesLeft));
                return;
            }

            Apply(run, new ApplyRefundFact(run.Id, RefundFactOf(refundId, answer), MerchantCause));
            if (Crashes(run, "after the refund's answer was applied"))
            {
                MerchantFailed(run, () => RequestRefund(run, planned, refundId, attempt + 1, triesLeft));
                return;
            }

            sim.Log(run, $"merchant: 202 {name} {Store.Load(run.Id)!.FindRefund(refundId)!.Status}");
        });
    }

    /// <summary>
    /// <c>POST /payments/{id}/return</c> (<c>VerifyCustomerReturn</c>): the shop, when the customer comes back, has
    /// Checkout.com's payment read at once and, when it is this payment's, applied under the payment's lock
    /// (<c>ApplyCustomerReturnHandler</c>): the decision it brings, and KNET's record asked for when this return decided it.
    /// </summary>
    public void CustomerReturns(PaymentRun run, int attempt)
    {
        sim.Log(run, $"shop: POST /payments/{{id}}/return (attempt {attempt})");
        if (Store.Load(run.Id) is not { CheckoutPaymentId: { } checkoutId })
        {
            sim.Log(run, "shop: 200, the payment as we know it (no Checkout.com id yet)");
            return;
        }

        var (answer, after) = sim.Acquirer.GetPayment(run, checkoutId);
        Scheduler.After(after, () =>
        {
            if (Crashes(run, "after the return's read"))
            {
                MerchantFailed(run, () => CustomerReturns(run, attempt + 1));
                return;
            }

            var payment = Store.Load(run.Id)!;
            if (answer is not CheckoutAnswer<PaymentDetailsResponse>.Ok { Value: var details })
            {
                sim.Log(run, $"shop: 200 {payment.Status} (Checkout.com did not answer)");
                return;
            }

            if (!Payments.Host.Returns.VerifyCustomerReturn.IsOf(details, payment))
            {
                sim.Log(run, "shop: 422 return_session_mismatch");
                return;
            }

            var now = Scheduler.Now;
            var stream = new PendingStream(payment.Id, payment, Store.VersionOf(payment.Id));
            var outgoing = new OutgoingMessages();
            var decidedHere = ReconcilePaymentHandler.Undecided(payment);
            var applied = ReconcilePaymentHandler.Apply(stream, payment, details, now);
            if (decidedHere && !ReconcilePaymentHandler.Undecided(applied))
            {
                ReconcilePaymentHandler.AskAgainForKnetDetails(stream, applied, 0, sim.Timings, now, outgoing);
            }

            Commit(run, null, stream.Appended.Cast<IPaymentEvent>(), $"return:POST /payments/{payment.Id}/return session={checkoutId}", outgoing);
            if (Crashes(run, "after the return was applied"))
            {
                MerchantFailed(run, () => CustomerReturns(run, attempt + 1));
                return;
            }

            sim.Log(run, $"shop: 200 {Store.Load(run.Id)!.Status}");
        });
    }

    private void MerchantFailed(PaymentRun run, Action retry)
    {
        if (run.Uniform() < Faults.MerchantRetries)
        {
            sim.Log(run, "merchant: the request failed (503); it retries with the same Idempotency-Key");
            Scheduler.After(run.Between(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1)), retry);
        }
        else
        {
            sim.Log(run, "merchant: the request failed (503); it does not retry");
        }
    }
}
