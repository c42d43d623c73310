using Payments.Domain;
using Payments.Host.Webhooks;

namespace Payments.Simulation;

/// <summary>
/// What must hold for every payment once everything scheduled has run (docs/architecture.md, "Deterministic
/// simulation", "The invariants").
/// </summary>
internal static class Invariants
{
    /// <summary>The fact <see cref="PaymentDecider.FlagForReview"/> records: the service itself asked an operator to look.</summary>
    private const string ServiceAskedForReview = "review requested by this service";

    public static PaymentFailure? Check(World world, PaymentRun run)
    {
        var violations = new List<string>();
        var stream = world.Store.Stream(run.Id);
        var payment = world.Store.Load(run.Id);
        var ledger = world.Acquirer.Ledger(run.Id);

        if (payment is null)
        {
            // The merchant's request died before the intent and was not retried: nothing may exist at Checkout.com.
            if (ledger is not null)
            {
                violations.Add($"Checkout.com holds {ledger.CheckoutId} but the service has no payment");
            }

            return Failure(run, violations);
        }

        // 1. Every stream passes the audit: each event one the machine permits from the state before it, each with a cause.
        var audited = stream.Select(e => new AuditedEvent(e.Data, e.Version, e.Timestamp, e.Cause)).ToList();
        foreach (var finding in StreamAudit.Check(run.Id, audited, world.Scheduler.Now, TimeSpan.FromDays(3650)))
        {
            violations.Add($"audit: {finding.Kind} at v{finding.Version}: {finding.Detail}");
        }

        // 2. No refund total exceeds its capture, on either side.
        if (payment.RefundedAmount > payment.CapturedAmount)
        {
            violations.Add($"refunded {Kwd.Format(payment.RefundedAmount)} > captured {Kwd.Format(payment.CapturedAmount)}");
        }

        if (ledger is not null && ledger.Refunded > ledger.Captured)
        {
            violations.Add($"Checkout.com refunded {Kwd.Format(ledger.Refunded)} > captured {Kwd.Format(ledger.Captured)}");
        }

        // 3. Decided, or flagged for an operator, once every scheduled check has run. A refund in flight needs a flag
        //    of its own (the service's flags about a refund name it): a flag about something else (KNET's record
        //    missing, say) does not tell an operator that this refund waits.
        if (World.Undecided(payment) && !payment.NeedsReview)
        {
            violations.Add($"undecided at the end and not flagged: {payment.Status}");
        }

        foreach (var refund in payment.Refunds.Where(r => r.IsInFlight))
        {
            if (!payment.ReviewFlags.Exists(f => f.Reason.Contains(refund.Id.ToString(), StringComparison.Ordinal)))
            {
                violations.Add($"refund {refund.Id} {refund.Status} at the end, and no flag names it" +
                               (payment.NeedsReview ? $" (the payment's flags: {string.Join("; ", payment.ReviewFlags.Select(f => f.Reason))})" : ""));
            }
        }

        // KNET's record of a decision is read until it comes, then the payment is flagged ("Follow-up checks and the
        // sweeper"): reconciling with the bank needs it, so it may be missing only with a flag that says so.
        if (World.MissingKnetRecord(payment))
        {
            violations.Add($"{payment.Status} without KNET's record, and no flag says it is missing");
        }

        // Checkout.com's ledger is consistent, so nothing it says may contradict what the service recorded.
        foreach (var flag in payment.ReviewFlags.Where(f => f.Fact != ServiceAskedForReview))
        {
            violations.Add($"contradiction flagged in {flag.StatusAtFlag}: {flag.Fact}: {flag.Reason}");
        }

        // 4. The outcome is Checkout.com's: captured and refunded amounts equal its ledger's (a flagged payment is an operator's).
        if (!payment.NeedsReview)
        {
            var captured = ledger?.Captured ?? 0;
            var refunded = ledger?.Refunded ?? 0;
            if (payment.CapturedAmount != captured)
            {
                violations.Add($"captured {Kwd.Format(payment.CapturedAmount)}, Checkout.com's ledger says {Kwd.Format(captured)} ({ledger?.Status})");
            }

            if (payment.RefundedAmount != refunded)
            {
                violations.Add($"refunded {Kwd.Format(payment.RefundedAmount)}, Checkout.com's ledger says {Kwd.Format(refunded)}");
            }
        }

        // Every webhook stored was applied (or found a duplicate, or flagged): none waits or is parked.
        if (ledger is not null)
        {
            foreach (var webhook in world.Service.WebhooksOf(ledger.CheckoutId)
                         .Where(w => w.Processing is WebhookProcessing.Received or WebhookProcessing.Parked))
            {
                violations.Add($"webhook {webhook.Webhook.Id} {webhook.Webhook.Type} left {webhook.Processing}");
            }
        }

        return Failure(run, violations);
    }

    private static PaymentFailure? Failure(PaymentRun run, List<string> violations) =>
        violations.Count == 0 ? null : new PaymentFailure(run.Index, run.Id, violations, run.Lines, run.Faults);
}
