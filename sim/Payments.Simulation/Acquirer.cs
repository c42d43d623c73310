using System.Text;
using System.Text.Json;
using Payments.Domain;
using Payments.Host.Checkout;

namespace Payments.Simulation;

internal enum LedgerStatus
{
    Pending,
    Authorized,
    Captured,
    Declined,
    Canceled,
    Expired,
}

/// <summary>A refund as Checkout.com's ledger holds it: approved, declined, or still pending (null).</summary>
internal sealed class LedgerRefund(Guid refundId, string actionId, long amount)
{
    public Guid RefundId { get; } = refundId;
    public string ActionId { get; } = actionId;
    public long Amount { get; } = amount;
    public bool? Approved { get; set; }
}

/// <summary>A payment as Checkout.com's ledger holds it: the truth the service's outcome is held against.</summary>
internal sealed class LedgerPayment(string checkoutId, Guid paymentId, long amount)
{
    public string CheckoutId { get; } = checkoutId;
    public Guid PaymentId { get; } = paymentId;
    public long Amount { get; } = amount;
    public string? Reference { get; init; }
    public LedgerStatus Status { get; set; }
    public DateTimeOffset? KnetRecordFrom { get; set; }
    public string? KnetResult { get; set; }
    public List<LedgerRefund> Refunds { get; } = [];

    /// <summary>Each refund id's first answer, replayed to the same Cko-Idempotency-Key.</summary>
    public Dictionary<Guid, CheckoutAnswer<RefundAcceptedResponse>> RefundAnswers { get; } = [];

    public int Actions { get; set; }

    public long Captured => Status == LedgerStatus.Captured ? Amount : 0;
    public long Refunded => Refunds.Where(r => r.Approved == true).Sum(r => r.Amount);
}

/// <summary>A webhook as Checkout.com sends it: its event id, type and raw body.</summary>
internal sealed record SimWebhook(string Id, string Type, string CheckoutPaymentId, string Body);

/// <summary>
/// Checkout.com, simulated: its own ledger (the truth), idempotent by our payment and refund ids like the real one,
/// answering calls that may fail before or after taking effect, and sending webhooks that may be lost, late or twice.
/// </summary>
internal sealed class Acquirer(World world)
{
    public static readonly TimeSpan PageLimit = TimeSpan.FromMinutes(7);

    private readonly Dictionary<Guid, LedgerPayment> byPayment = [];

    public LedgerPayment? Ledger(Guid paymentId) => byPayment.GetValueOrDefault(paymentId);

    /// <summary>How long the call takes to answer, and whether that was slow enough for other work to run meanwhile.</summary>
    private TimeSpan Latency(PaymentRun run) => run.Fault("slow-call", world.Options.Faults.SlowCall)
        ? run.Between(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(25))
        : run.Between(TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(1500));

    /// <summary>
    /// The fault model of every call: lost on the way (no effect), or its answer lost (the effect happened); the answer
    /// and when it reaches us.
    /// </summary>
    private (CheckoutAnswer<T> Answer, TimeSpan After) Call<T>(PaymentRun run, string what, Func<CheckoutAnswer<T>> effect)
    {
        if (run.Fault("call-lost", world.Options.Faults.CallLost))
        {
            world.Log(run, $"checkout: {what} → no answer (lost on the way, no effect)");
            return (new CheckoutAnswer<T>.Unavailable("simulated: connection refused"), run.Between(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(30)));
        }

        var answer = effect();
        if (run.Fault("answer-lost", world.Options.Faults.AnswerLost))
        {
            world.Log(run, $"checkout: {what} → took effect ({Show(answer)}), answer lost (timeout)");
            return (new CheckoutAnswer<T>.Unavailable("simulated: timeout"), world.CheckoutOptions.TotalTimeout);
        }

        world.Log(run, $"checkout: {what} → {Show(answer)}");
        return (answer, Latency(run));
    }

    private static string Show<T>(CheckoutAnswer<T> answer) => answer switch
    {
        CheckoutAnswer<T>.Ok { Value: PaymentAcceptedResponse p } => $"202 {p.Id}",
        CheckoutAnswer<T>.Ok { Value: RefundAcceptedResponse r } => $"202 {r.ActionId}",
        CheckoutAnswer<T>.Ok { Value: PaymentDetailsResponse d } => $"200 {d.Status}{(d.Source is null ? "" : " +KNET")}",
        CheckoutAnswer<T>.Ok { Value: IReadOnlyList<PaymentActionResponse> a } =>
            $"200 [{string.Join(", ", a.Select(x => $"{x.Id} {x.Amount} {(x.Approved is { } ok ? ok ? "approved" : "declined" : "pending")}"))}]",
        CheckoutAnswer<T>.Refused r => $"{r.Status} {string.Join(",", r.ErrorCodes)}",
        _ => answer.ToString() ?? "",
    };

    /// <summary><c>POST /payments</c> with our payment id as the idempotency key.</summary>
    public (CheckoutAnswer<PaymentAcceptedResponse> Answer, TimeSpan After) RequestPayment(PaymentRun run, Guid paymentId, KnetPaymentRequest request) =>
        Call<PaymentAcceptedResponse>(run, "POST /payments", () =>
        {
            if (run.Plan.InvalidAtCheckout)
            {
                return new CheckoutAnswer<PaymentAcceptedResponse>.Refused(422, "request_invalid", ["payment_source_invalid"], "req_sim");
            }

            if (!byPayment.TryGetValue(paymentId, out var ledger))
            {
                ledger = new LedgerPayment($"pay_{run.Index:x}{Token(run, 18)}", paymentId, request.Amount) { Reference = request.Reference };
                byPayment[paymentId] = ledger;
                Send(run, ledger, "payment_pending", null, null, null);
                world.Scheduler.After(PageLimit + run.Between(TimeSpan.Zero, TimeSpan.FromMinutes(1)), () => Expire(run, ledger));
            }

            return new CheckoutAnswer<PaymentAcceptedResponse>.Ok(new PaymentAcceptedResponse(ledger.CheckoutId, "Pending",
                request.Reference, new PaymentLinks(null, new Link($"https://sim.checkout/knet/{ledger.CheckoutId}/pay"), null)));
        });

    /// <summary><c>POST /payments/{id}/refunds</c> with our refund id as the idempotency key.</summary>
    public (CheckoutAnswer<RefundAcceptedResponse> Answer, TimeSpan After) Refund(PaymentRun run, string checkoutId, Guid refundId, long amount) =>
        Call<RefundAcceptedResponse>(run, $"POST /payments/{checkoutId}/refunds {Kwd.Format(amount)}", () =>
        {
            var ledger = byPayment[run.Id];
            if (ledger.RefundAnswers.TryGetValue(refundId, out var replay))
            {
                return replay;
            }

            CheckoutAnswer<RefundAcceptedResponse> answer;
            var available = ledger.Captured - ledger.Refunds.Where(r => r.Approved != false).Sum(r => r.Amount);
            if (ledger.Status != LedgerStatus.Captured || amount > available)
            {
                answer = new CheckoutAnswer<RefundAcceptedResponse>.Refused(422, "request_invalid", ["refund_amount_exceeds_balance"], "req_sim");
            }
            else
            {
                var refund = new LedgerRefund(refundId, NextAction(run, ledger), amount);
                ledger.Refunds.Add(refund);
                answer = new CheckoutAnswer<RefundAcceptedResponse>.Ok(new RefundAcceptedResponse(refund.ActionId, CheckoutClient.RefundReference(refundId)));
                if (run.Uniform() < 0.5)
                {
                    Send(run, ledger, "payment_refund_pending", refund, null, null);
                }

                world.Scheduler.After(run.Between(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(20)), () => SettleRefund(run, ledger, refund));
            }

            ledger.RefundAnswers[refundId] = answer;
            return answer;
        });

    /// <summary><c>GET /payments/{id}</c>.</summary>
    public (CheckoutAnswer<PaymentDetailsResponse> Answer, TimeSpan After) GetPayment(PaymentRun run, string checkoutId) =>
        Call<PaymentDetailsResponse>(run, $"GET /payments/{checkoutId}", () =>
        {
            var ledger = byPayment[run.Id];
            var status = ledger.Status switch
            {
                LedgerStatus.Pending => "Pending",
                LedgerStatus.Authorized => "Authorized",
                LedgerStatus.Captured when ledger.Refunded == 0 => "Captured",
                LedgerStatus.Captured when ledger.Refunded < ledger.Captured => "Partially Refunded",
                LedgerStatus.Captured => "Refunded",
                LedgerStatus.Declined => "Declined",
                LedgerStatus.Canceled => "Canceled",
                _ => "Expired",
            };
            var source = ledger.KnetRecordFrom is { } from && from <= world.Scheduler.Now
                ? new KnetResponseSource("knet", $"knet_{ledger.CheckoutId}", ledger.KnetResult, null, "bank_ref", "txn", "auth", "00", "0101", null, null, null)
                : null;
            return new CheckoutAnswer<PaymentDetailsResponse>.Ok(new PaymentDetailsResponse(ledger.CheckoutId, status,
                ledger.Status is LedgerStatus.Captured or LedgerStatus.Authorized, ledger.Amount, Kwd.Currency, ledger.Reference, source,
                new Balances(ledger.Captured, ledger.Refunded, ledger.Captured - ledger.Refunded),
                new System.Text.Json.Nodes.JsonObject { [CheckoutClient.PaymentIdMetadataKey] = ledger.PaymentId.ToString() }));
        });

    /// <summary><c>GET /payments/{id}/actions</c>.</summary>
    public (CheckoutAnswer<IReadOnlyList<PaymentActionResponse>> Answer, TimeSpan After) GetActions(PaymentRun run, string checkoutId) =>
        Call<IReadOnlyList<PaymentActionResponse>>(run, $"GET /payments/{checkoutId}/actions", () =>
        {
            var ledger = byPayment[run.Id];
            IReadOnlyList<PaymentActionResponse> actions = [.. ledger.Refunds.Select(r => new PaymentActionResponse(r.ActionId, "Refund", r.Amount,
                r.Approved, r.Approved switch { true => "10000", false => "20005", null => null },
                r.Approved switch { true => "Approved", false => "Declined", null => null }, CheckoutClient.RefundReference(r.RefundId)))];
            return new CheckoutAnswer<IReadOnlyList<PaymentActionResponse>>.Ok(actions);
        });

    /// <summary>The customer acts on KNET's page (only once the merchant gave them its link).</summary>
    public void CustomerActs(PaymentRun run)
    {
        var ledger = byPayment[run.Id];
        if (ledger.Status != LedgerStatus.Pending)
        {
            world.Log(run, $"customer: too late, the page says {ledger.Status}");
            return;
        }

        world.Log(run, $"customer: {run.Plan.Choice}");
        if (run.Plan.ComesBackAfter is { } back)
        {
            world.Scheduler.After(back, () => world.Service.CustomerReturns(run, 1));
        }

        switch (run.Plan.Choice)
        {
            case CustomerChoice.Pays:
                ledger.Status = LedgerStatus.Authorized;
                Send(run, ledger, "payment_capture_pending", null, null, null);
                world.Scheduler.After(run.Between(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(20)), () =>
                {
                    ledger.Status = LedgerStatus.Captured;
                    Decided(run, ledger, "CAPTURED");
                    Send(run, ledger, "payment_captured", null, ledger.Amount, "10000");
                });
                break;
            case CustomerChoice.PaysButBankDeclines:
                ledger.Status = LedgerStatus.Declined;
                Decided(run, ledger, "NOT CAPTURED");
                Send(run, ledger, "payment_capture_declined", null, null, "20051");
                break;
            case CustomerChoice.Cancels:
                ledger.Status = LedgerStatus.Canceled;
                Decided(run, ledger, "CANCELED");
                Send(run, ledger, "payment_canceled", null, null, null);
                break;
        }
    }

    private void Expire(PaymentRun run, LedgerPayment ledger)
    {
        if (ledger.Status != LedgerStatus.Pending)
        {
            return;
        }

        world.Log(run, "checkout: the KNET page expired");
        ledger.Status = LedgerStatus.Expired;
        Decided(run, ledger, "EXPIRED");
        Send(run, ledger, "payment_expired", null, null, null);
    }

    private void Decided(PaymentRun run, LedgerPayment ledger, string knetResult)
    {
        ledger.KnetResult = knetResult;
        if (!run.Plan.KnetRecordNeverComes)
        {
            ledger.KnetRecordFrom = world.Scheduler.Now + run.Plan.KnetRecordAfter;
        }
    }

    private void SettleRefund(PaymentRun run, LedgerPayment ledger, LedgerRefund refund)
    {
        refund.Approved = run.Uniform() < 0.92;
        world.Log(run, $"checkout: refund {refund.ActionId} {(refund.Approved == true ? "approved" : "declined")}");
        Send(run, ledger, refund.Approved == true ? "payment_refunded" : "payment_refund_declined", refund,
            refund.Amount, refund.Approved == true ? "10000" : "20005");
    }

    /// <summary>Builds the webhook as Checkout.com does and hands it to the network, which may lose, delay or repeat it.</summary>
    private void Send(PaymentRun run, LedgerPayment ledger, string type, LedgerRefund? refund, long? amount, string? responseCode)
    {
        var id = $"evt_{run.Index:x}_{++run.WebhookCounter}";
        var actionId = refund?.ActionId ?? (type == "payment_pending" ? null : NextAction(run, ledger));
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("id", id);
            json.WriteString("type", type);
            json.WriteStartObject("data");
            json.WriteString("id", ledger.CheckoutId);
            if (actionId is not null)
            {
                json.WriteString("action_id", actionId);
            }

            if (amount is { } value)
            {
                json.WriteNumber("amount", value);
            }

            if (responseCode is not null)
            {
                json.WriteString("response_code", responseCode);
            }

            if (refund is not null)
            {
                json.WriteString("reference", CheckoutClient.RefundReference(refund.RefundId));
            }

            json.WriteStartObject("metadata");
            json.WriteString(CheckoutClient.PaymentIdMetadataKey, ledger.PaymentId.ToString());
            if (refund is not null)
            {
                json.WriteString(CheckoutClient.RefundIdMetadataKey, refund.RefundId.ToString());
            }

            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }

        var webhook = new SimWebhook(id, type, ledger.CheckoutId, Encoding.UTF8.GetString(buffer.ToArray()));
        var faults = world.Options.Faults;
        if (run.Fault("webhook-lost", faults.WebhookLost))
        {
            world.Log(run, $"network: webhook {id} {type} lost");
            return;
        }

        var delay = run.Fault("webhook-late", faults.WebhookLate)
            ? run.Between(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(30))
            : run.Between(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5));
        world.Scheduler.After(delay, () => Deliver(run, webhook, 1));
        if (run.Fault("webhook-duplicated", faults.WebhookDuplicated))
        {
            world.Scheduler.After(delay + run.Between(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(60)), () => Deliver(run, webhook, 1));
        }
    }

    /// <summary>Checkout.com retries a webhook our intake did not acknowledge.</summary>
    private void Deliver(PaymentRun run, SimWebhook webhook, int attempt)
    {
        if (!world.Service.ReceiveWebhook(run, webhook) && attempt < 8)
        {
            world.Scheduler.After(run.Between(TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(5)), () => Deliver(run, webhook, attempt + 1));
        }
    }

    private static string NextAction(PaymentRun run, LedgerPayment ledger) => $"act_{run.Index:x}_{++ledger.Actions}";

    private static string Token(PaymentRun run, int length)
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = Alphabet[run.Random.Next(Alphabet.Length)];
        }

        return new string(chars);
    }
}
