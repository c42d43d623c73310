using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.FollowUps;
using Payments.Host.Payments;
using Payments.Host.Webhooks;
using Wolverine;

namespace Payments.Simulation;

/// <summary>A webhook in the simulated inbox (the host's <c>CheckoutWebhook</c> document).</summary>
internal sealed class StoredWebhook(SimWebhook webhook, long sequence)
{
    public SimWebhook Webhook { get; } = webhook;
    public long Sequence { get; } = sequence;
    public WebhookProcessing Processing { get; set; } = WebhookProcessing.Received;
    public int Deliveries { get; set; } = 1;
    public int LookupAttempts { get; set; }
}

/// <summary>
/// The service's handlers, step by step as the host runs them, with a crash possible between any two steps. Each
/// decision is the host's own function: <see cref="PaymentDecider"/> and <see cref="Payment.Evolve"/> through
/// <c>ApplyCheckoutFactHandler.Decide</c>, <c>ReserveRefundHandler.Decide</c>, <c>ReconcilePaymentHandler.Apply</c> and
/// <c>AskAgainForKnetDetails</c>, <c>ReconcileRefundHandler.Outcome</c>, <c>VerifyCustomerReturn.IsOf</c>, <c>WebhookFacts</c>,
/// <c>FollowUpCheck.For</c>.
/// What is simulated is only what lies between them: the transaction, the inbox, the network, time.
/// The host's handler each method stands for is named in its summary.
/// </summary>
internal sealed partial class Service(World world)
{
    private readonly World sim = world;
    private const string MerchantCause = "request:POST /payments key=sim-merchant";
    private readonly Dictionary<string, StoredWebhook> webhooks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<StoredWebhook>> byCheckoutId = new(StringComparer.Ordinal);
    private long receipts;

    private Scheduler Scheduler => sim.Scheduler;
    private EventStore Store => sim.Store;
    private FaultRates Faults => sim.Options.Faults;

    public IEnumerable<StoredWebhook> WebhooksOf(string checkoutId) =>
        byCheckoutId.TryGetValue(checkoutId, out var list) ? list : [];

    // ---- ApplyCheckoutFactHandler: the exclusive writers of Checkout.com's answers ----------------------------------

    private void Apply(PaymentRun run, ApplyPaymentFact command)
    {
        var (decision, events, outgoing) = ApplyCheckoutFactHandler.Decide(command, Store.Load(run.Id)!, sim.Timings, Scheduler.Now);
        sim.Log(run, $"service: {command.Fact.Trigger} → {decision.Kind} ({decision.Reason})");
        Commit(run, null, events.Cast<IPaymentEvent>(), command.Cause!, outgoing);
    }

    private void Apply(PaymentRun run, ApplyRefundFact command)
    {
        var (decision, events, outgoing) = ApplyCheckoutFactHandler.Decide(command, Store.Load(run.Id)!, sim.Timings, Scheduler.Now);
        sim.Log(run, $"service: refund {command.Fact.Trigger} → {decision.Kind} ({decision.Reason})");
        Commit(run, null, events.Cast<IPaymentEvent>(), command.Cause!, outgoing);
    }

    /// <summary>Mirrors <c>CheckoutCalls.RequestPaymentAsync</c>'s reading of the answer.</summary>
    private static PaymentFact PaymentFactOf(CheckoutAnswer<PaymentAcceptedResponse> answer) => answer switch
    {
        CheckoutAnswer<PaymentAcceptedResponse>.Ok ok => new PaymentFact.Accepted(ok.Value.Id, ok.Value.Links?.Redirect?.Href ?? ""),
        CheckoutAnswer<PaymentAcceptedResponse>.Refused no => new PaymentFact.Rejected(no.Status, no.ErrorType, no.ErrorCodes, no.RequestId),
        CheckoutAnswer<PaymentAcceptedResponse>.Unavailable unknown => new PaymentFact.NoAnswer(unknown.Reason),
        _ => throw new InvalidOperationException($"Unexpected answer {answer}"),
    };

    /// <summary>Mirrors <c>CheckoutCalls.RefundAsync</c>'s reading of the answer.</summary>
    private static RefundFact RefundFactOf(Guid refundId, CheckoutAnswer<RefundAcceptedResponse> answer) => answer switch
    {
        CheckoutAnswer<RefundAcceptedResponse>.Ok ok => new RefundFact.Accepted(refundId, ok.Value.ActionId),
        CheckoutAnswer<RefundAcceptedResponse>.Refused no => new RefundFact.Refused(refundId, no.Status, no.ErrorCodes),
        CheckoutAnswer<RefundAcceptedResponse>.Unavailable unknown => new RefundFact.NoAnswer(refundId, unknown.Reason),
        _ => throw new InvalidOperationException($"Unexpected answer {answer}"),
    };

    // ---- the durable inbox -----------------------------------------------------------------------------------------

    /// <summary>Enrols a message (in the transaction that decided it); a check may fire late, or be lost for the sweeper to find.</summary>
    public void Schedule(PaymentRun run, object message, TimeSpan delay)
    {
        if (CheckTarget.Of(message) is { } target && run.Fault("check-lost", Faults.CheckLost))
        {
            sim.Log(run, $"inbox: {Show(message)} lost");
            run.LostChecks.Add(target);
            return;
        }

        var late = run.Fault("check-late", Faults.CheckLate)
            ? run.Between(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(20))
            : run.Between(TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
        var envelope = new Envelope(message, run);
        run.Pending.Add(envelope);
        Scheduler.After(delay + late, () => Handle(envelope));
    }

    private void Handle(Envelope envelope)
    {
        envelope.Attempts++;
        var run = envelope.Run;
        sim.Log(run, $"handle: {Show(envelope.Message)}{(envelope.Attempts > 1 ? $" (delivery {envelope.Attempts})" : "")}");
        try
        {
            switch (envelope.Message)
            {
                case ResolvePaymentRequest m: ResolvePaymentRequest(envelope, m); break;
                case ResolveRefund m: ResolveRefund(envelope, m); break;
                case ReconcilePayment m: ReconcilePayment(envelope, m); break;
                case ReconcileRefund m: ReconcileRefund(envelope, m); break;
                case ReadKnetDetails m: ReadKnetDetails(envelope, m); break;
                case ProcessCheckoutWebhook m: ProcessWebhook(envelope, m); break;
                default: throw new InvalidOperationException($"No simulated handler for {envelope.Message.GetType().Name}");
            }
        }
        catch (SimulatedConcurrencyException conflict)
        {
            Retry(envelope, conflict.Message);
        }
    }

    /// <summary>Handled: the message leaves the inbox.</summary>
    private static void Done(Envelope envelope) => envelope.Run.Pending.Remove(envelope);

    /// <summary>Wolverine's policy for a version conflict: retried soon, re-decided on fresh state.</summary>
    private void Retry(Envelope envelope, string why)
    {
        sim.Log(envelope.Run, $"service: concurrency conflict ({why}); retried");
        Scheduler.After(envelope.Run.Between(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2)), () => Handle(envelope));
    }

    /// <summary>The process died with the message in flight: it stays in the durable inbox and is recovered after a restart.</summary>
    private void Redeliver(Envelope envelope) =>
        Scheduler.After(envelope.Run.Between(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1)), () => Handle(envelope));

    private bool Crashes(PaymentRun run, string point)
    {
        if (!run.Fault("crash", Faults.Crash))
        {
            return false;
        }

        sim.Log(run, $"crash: {point}");
        return true;
    }

    /// <summary>One transaction: the events (each with its cause), the messages cascaded with them, anything else in it.</summary>
    private void Commit(PaymentRun run, long? expectedVersion, IEnumerable<IPaymentEvent> events, string cause, OutgoingMessages outgoing) =>
        Commit(run, expectedVersion, [.. events.Select(e => (e, cause))], outgoing);

    private void Commit(PaymentRun run, long? expectedVersion, List<(IPaymentEvent Event, string Cause)> events, OutgoingMessages outgoing)
    {
        var before = Store.VersionOf(run.Id);
        Store.Append(run.Id, expectedVersion, events, Scheduler.Now, sim.Options.Mutation.HasFlag(Mutation.SkipVersionCheck));
        for (var i = 0; i < events.Count; i++)
        {
            sim.Log(run, $"  + v{before + i + 1} {Describe(events[i].Event)}");
        }

        foreach (var item in outgoing)
        {
            switch (item)
            {
                case DeliveryMessage<ResolvePaymentRequest> d: Schedule(run, d.Message, d.Options.ScheduleDelay ?? TimeSpan.Zero); break;
                case DeliveryMessage<ResolveRefund> d: Schedule(run, d.Message, d.Options.ScheduleDelay ?? TimeSpan.Zero); break;
                case DeliveryMessage<ReconcilePayment> d: Schedule(run, d.Message, d.Options.ScheduleDelay ?? TimeSpan.Zero); break;
                case DeliveryMessage<ReconcileRefund> d: Schedule(run, d.Message, d.Options.ScheduleDelay ?? TimeSpan.Zero); break;
                case DeliveryMessage<ReadKnetDetails> d: Schedule(run, d.Message, d.Options.ScheduleDelay ?? TimeSpan.Zero); break;
                case Payments.Host.Payments.ReconcilePayment or Payments.Host.Payments.ReadKnetDetails or Payments.Host.Payments.ResolvePaymentRequest
                    or Payments.Host.Payments.ResolveRefund or Payments.Host.Payments.ReconcileRefund:
                    Schedule(run, item, TimeSpan.Zero);
                    break;
                default: throw new InvalidOperationException($"The simulator does not know the outgoing {item.GetType().Name}");
            }
        }

        sim.Touched(run);
    }

    // ---- how the history shows things ----------------------------------------------------------------------------------

    private static string RefundName(Guid refundId) => $"refund {refundId.ToString("N")[..8]}";

    private static string Show(object message) => message switch
    {
        ResolvePaymentRequest m => $"ResolvePaymentRequest #{m.Attempt}",
        ResolveRefund m => $"ResolveRefund {RefundName(m.RefundId)} #{m.Attempt}",
        ReconcilePayment m => $"ReconcilePayment #{m.Attempt}",
        ReconcileRefund m => $"ReconcileRefund {RefundName(m.RefundId)} #{m.Attempt}",
        ReadKnetDetails m => $"ReadKnetDetails #{m.Attempt}",
        ProcessCheckoutWebhook m => $"ProcessCheckoutWebhook {m.EventId}",
        _ => message.GetType().Name,
    };

    public static string Describe(IPaymentEvent e) => e switch
    {
        PaymentRequested r => $"PaymentRequested {Kwd.Format(r.Request.Amount)}",
        PaymentPending p => $"PaymentPending{(p.RedirectUrl is null ? "" : " with link")}",
        PaymentCaptured c => $"PaymentCaptured {Kwd.Format(c.Amount)}",
        RefundRequested r => $"RefundRequested {RefundName(r.RefundId)} {Kwd.Format(r.Amount)}",
        RefundPending r => $"RefundPending {RefundName(r.RefundId)} {r.ActionId}",
        RefundSucceeded r => $"RefundSucceeded {RefundName(r.RefundId)} {Kwd.Format(r.Amount)}",
        RefundDeclined r => $"RefundDeclined {RefundName(r.RefundId)}",
        RefundOutcomeUnknown r => $"RefundOutcomeUnknown {RefundName(r.RefundId)}",
        PaymentFlaggedForReview f => $"PaymentFlaggedForReview: {f.Reason}",
        _ => e.GetType().Name,
    };
}
