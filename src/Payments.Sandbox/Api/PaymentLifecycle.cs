using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Payments.Sandbox.Webhooks;

namespace Payments.Sandbox.Api;

public enum KnetOutcome
{
    /// <summary>KNET <c>CAPTURED</c>: test card, the configured expiry, PIN 1234.</summary>
    Captured,

    /// <summary>KNET <c>NOT CAPTURED</c>: any other expiry or PIN.</summary>
    NotCaptured,

    /// <summary>KNET <c>CANCELED</c>: the customer pressed Cancel.</summary>
    Canceled,

    /// <summary>The redirect link was opened a second time: <c>IPAY01000305</c>, Declined.</summary>
    Reused,

    /// <summary>The page stayed open past its limit.</summary>
    Expired,
}

public enum PageOpening
{
    Opened,
    Reused,
    AlreadyDecided,
}

public sealed record RefundAccepted(string ActionId, string? Reference);

/// <summary>
/// Every change of a sandbox payment, whoever causes it (the API, the KNET page, the control API, a timer): the
/// status, KNET's fields, the actions and balances, and the webhooks in the order Checkout.com sends them (§9).
/// </summary>
public sealed partial class PaymentLifecycle(
    PaymentStore store,
    WebhookDispatcher webhooks,
    SandboxTimers timers,
    Reports.SettlementLedger ledger,
    TimeProvider time,
    IOptionsMonitor<SandboxOptions> options,
    ILogger<PaymentLifecycle> logger)
{
    public const string DeclineRefundMarker = "decline";

    public void Created(SandboxPayment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        lock (payment.Gate)
        {
            store.Add(payment);
            webhooks.Publish(payment, WebhookTypes.PaymentPending, new
            {
                id = payment.Id,
                reference = payment.Reference,
                amount = payment.Amount,
                currency = payment.Currency,
                processed_on = payment.RequestedOn,
                metadata = payment.Metadata,
            });
        }

        ScheduleExpiryCheck(payment, options.CurrentValue.Scaled(options.CurrentValue.PageExpiry));
        PaymentCreated(logger, payment.Id, payment.Amount, payment.Currency);
    }

    /// <summary>The customer lands on the KNET page. KNET allows one visit: a second one fails the payment.</summary>
    public PageOpening OpenPage(SandboxPayment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        lock (payment.Gate)
        {
            if (payment.IsDecided)
            {
                return PageOpening.AlreadyDecided;
            }

            if (payment.Page != PageState.NotOpened)
            {
                Decide(payment, KnetOutcome.Reused, null);
                return PageOpening.Reused;
            }

            payment.Page = PageState.Open;
            payment.PageOpenedAt = time.GetUtcNow();
        }

        ScheduleExpiryCheck(payment, options.CurrentValue.Scaled(options.CurrentValue.PageExpiry));
        return PageOpening.Opened;
    }

    /// <summary>Decides a pending payment; false when it was already decided (the first decision stands).</summary>
    public bool Complete(SandboxPayment payment, KnetOutcome outcome, CardCheck? check = null)
    {
        ArgumentNullException.ThrowIfNull(payment);
        lock (payment.Gate)
        {
            if (payment.IsDecided)
            {
                return false;
            }

            Decide(payment, outcome, check);
            return true;
        }
    }

    /// <summary>Starts a refund (the caller checked the rules); it completes after the processing delay.</summary>
    public RefundAccepted? Refund(SandboxPayment payment, long amount, string? reference, JsonObject? metadata)
    {
        ArgumentNullException.ThrowIfNull(payment);
        PaymentAction action;
        lock (payment.Gate)
        {
            if (payment.Status is not (PaymentStatuses.Captured or PaymentStatuses.PartiallyRefunded)
                || amount > payment.AvailableToRefund)
            {
                return null;
            }

            action = new PaymentAction
            {
                Id = Ids.New("act"),
                Type = "Refund",
                Amount = amount,
                ProcessedOn = time.GetUtcNow(),
                Reference = reference,
                Metadata = metadata,
                RefundState = "Pending",
                Approved = false,
                ResponseCode = "10000",
                ResponseSummary = "Pending",
            };
            payment.Actions.Add(action);
            webhooks.Publish(payment, WebhookTypes.RefundPending, RefundData(payment, action, withOutcome: false));
        }

        timers.After(options.CurrentValue.Scaled(options.CurrentValue.RefundProcessing), () => FinishRefund(payment, action));
        return new RefundAccepted(action.Id, reference);
    }

    private void FinishRefund(SandboxPayment payment, PaymentAction refund)
    {
        lock (payment.Gate)
        {
            refund.ProcessedOn = time.GetUtcNow();
            var declined = refund.Reference?.Contains(DeclineRefundMarker, StringComparison.OrdinalIgnoreCase) == true;
            if (declined)
            {
                refund.RefundState = "Declined";
                refund.Approved = false;
                refund.ResponseCode = "20006";
                refund.ResponseSummary = "Error / Invalid Request Parameters";
                webhooks.Publish(payment, WebhookTypes.RefundDeclined, RefundData(payment, refund, withOutcome: true));
            }
            else
            {
                refund.RefundState = "Refunded";
                refund.Approved = true;
                refund.ResponseCode = "10000";
                refund.ResponseSummary = "Approved";
                payment.Status = payment.TotalRefunded >= payment.TotalCaptured
                    ? PaymentStatuses.Refunded
                    : PaymentStatuses.PartiallyRefunded;
                ledger.Refunded(payment, refund);
                webhooks.Publish(payment, WebhookTypes.Refunded, RefundData(payment, refund, withOutcome: true));
            }
        }

        RefundFinished(logger, payment.Id, refund.Id, refund.RefundState!);
    }

    private void ScheduleExpiryCheck(SandboxPayment payment, TimeSpan delay) =>
        timers.After(delay, () => CheckExpiry(payment));

    /// <summary>Timers fire on their own clock: a check that comes a little early looks again at the deadline.</summary>
    private void CheckExpiry(SandboxPayment payment)
    {
        if (ExpireIfDue(payment) || payment.IsDecided)
        {
            return;
        }

        DateTimeOffset deadline;
        lock (payment.Gate)
        {
            deadline = (payment.PageOpenedAt ?? payment.RequestedOn) + options.CurrentValue.Scaled(options.CurrentValue.PageExpiry);
        }

        ScheduleExpiryCheck(payment, deadline - time.GetUtcNow() + TimeSpan.FromMilliseconds(1));
    }

    /// <summary>
    /// Expires a pending payment whose page has been open (or, never opened, whose link has existed) longer than
    /// the limit. True when the payment is expired now.
    /// </summary>
    public bool ExpireIfDue(SandboxPayment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        lock (payment.Gate)
        {
            if (payment.IsDecided)
            {
                return payment.Status == PaymentStatuses.Expired;
            }

            var limit = options.CurrentValue.Scaled(options.CurrentValue.PageExpiry);
            var deadline = (payment.PageOpenedAt ?? payment.RequestedOn) + limit;
            if (time.GetUtcNow() < deadline)
            {
                return false;
            }

            Decide(payment, KnetOutcome.Expired, null);
            return true;
        }
    }

    private void Decide(SandboxPayment payment, KnetOutcome outcome, CardCheck? check)
    {
        var now = time.GetUtcNow();
        var source = payment.Source;
        payment.ProcessedOn = now;
        payment.Page = PageState.Done;
        payment.Entered = null;
        var postDate = now.ToString("MMdd", CultureInfo.InvariantCulture);
        var actionId = Ids.New("act");

        switch (outcome)
        {
            case KnetOutcome.Captured:
                payment.Status = PaymentStatuses.Captured;
                payment.Approved = true;
                source.KnetPaymentId = Ids.Digits(18);
                source.KnetResult = "CAPTURED";
                source.BankReference = Ids.Digits(12);
                source.KnetTransactionId = Ids.Digits(15);
                source.AuthCode = Ids.Random(6).ToUpperInvariant();
                source.AuthResponseCode = "00";
                source.PostDate = postDate;
                source.Avr = "N";
                var capture = new PaymentAction
                {
                    Id = actionId, Type = "Capture", Amount = payment.Amount, ProcessedOn = now, Approved = true,
                    AuthCode = source.AuthCode, Reference = payment.Reference,
                };
                payment.Actions.Add(capture);
                ledger.Captured(payment, capture);
                webhooks.Publish(payment, WebhookTypes.CapturePending, Decided(payment, actionId, null));
                webhooks.Publish(payment, WebhookTypes.Captured, Decided(payment, actionId, ("10000", "Approved")));
                break;
            case KnetOutcome.NotCaptured:
                payment.Status = PaymentStatuses.Declined;
                source.KnetPaymentId = Ids.Digits(18);
                source.KnetResult = "NOT CAPTURED";
                source.KnetTransactionId = Ids.Digits(15);
                source.AuthResponseCode = check?.AuthResponseCode ?? "05";
                source.PostDate = postDate;
                source.Avr = "N";
                webhooks.Publish(payment, WebhookTypes.CaptureDeclined, Decided(payment, actionId, ("20005", "Declined - Do Not Honour")));
                break;
            case KnetOutcome.Canceled:
                payment.Status = PaymentStatuses.Canceled;
                source.KnetPaymentId = Ids.Digits(18);
                source.KnetResult = "CANCELED";
                webhooks.Publish(payment, WebhookTypes.Canceled, Decided(payment, actionId, null));
                break;
            case KnetOutcome.Reused:
                // KNET restarts its session for the second visit and fails it: Checkout.com reports the payment
                // Declined and sends payment_canceled ("the customer canceled or the payment has failed").
                payment.Status = PaymentStatuses.Declined;
                source.Error = "IPAY01000305";
                source.ErrorText = "IPAY01000305-Duplicate Merchant Track Id.";
                webhooks.Publish(payment, WebhookTypes.Canceled, Decided(payment, actionId, null));
                break;
            case KnetOutcome.Expired:
                payment.Status = PaymentStatuses.Expired;
                source.Error = "IPAY0100042";
                source.ErrorText = "IPAY0100042-Transaction time limit exceeds.";
                webhooks.Publish(payment, WebhookTypes.Expired, Decided(payment, actionId, null));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null);
        }

        PaymentDecided(logger, payment.Id, outcome, payment.Status);
    }

    private static Dictionary<string, object?> Decided(SandboxPayment payment, string actionId, (string Code, string Summary)? response)
    {
        var data = new Dictionary<string, object?>
        {
            ["id"] = payment.Id,
            ["action_id"] = actionId,
            ["reference"] = payment.Reference,
            ["amount"] = payment.Amount,
            ["currency"] = payment.Currency,
            ["processed_on"] = payment.ProcessedOn,
            ["metadata"] = payment.Metadata,
        };
        if (response is { } r)
        {
            data["response_code"] = r.Code;
            data["response_summary"] = r.Summary;
            data["balances"] = payment.Balances;
            data["event_links"] = EventLinks(payment);
        }

        return WithoutNulls(data);
    }

    private static Dictionary<string, object?> RefundData(SandboxPayment payment, PaymentAction refund, bool withOutcome)
    {
        var data = new Dictionary<string, object?>
        {
            ["id"] = payment.Id,
            ["action_id"] = refund.Id,
            ["reference"] = refund.Reference ?? payment.Reference,
            ["amount"] = refund.Amount,
            ["currency"] = payment.Currency,
            ["processed_on"] = refund.ProcessedOn,
            ["metadata"] = MergedMetadata(payment.Metadata, refund.Metadata),
        };
        if (withOutcome)
        {
            data["response_code"] = refund.ResponseCode;
            data["response_summary"] = refund.ResponseSummary;
            data["balances"] = payment.Balances;
            data["event_links"] = EventLinks(payment);
        }

        return WithoutNulls(data);
    }

    /// <summary>Checkout.com omits nulls; a dictionary would write them.</summary>
    private static Dictionary<string, object?> WithoutNulls(Dictionary<string, object?> data) =>
        data.Where(kv => kv.Value is not null).ToDictionary();

    private static JsonObject? MergedMetadata(JsonObject? payment, JsonObject? refund)
    {
        if (payment is null && refund is null)
        {
            return null;
        }

        var merged = new JsonObject();
        foreach (var (key, value) in (payment ?? []).Concat(refund ?? []))
        {
            merged[key] = value?.DeepClone();
        }

        return merged;
    }

    private static Dictionary<string, string> EventLinks(SandboxPayment payment) => new()
    {
        ["payment"] = payment.SelfHref,
        ["payment_actions"] = payment.ActionsHref,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Payment {PaymentId} created: {Amount} {Currency} (minor units)")]
    private static partial void PaymentCreated(ILogger logger, string paymentId, long amount, string currency);

    [LoggerMessage(Level = LogLevel.Information, Message = "Payment {PaymentId}: KNET {Outcome} → {Status}")]
    private static partial void PaymentDecided(ILogger logger, string paymentId, KnetOutcome outcome, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Payment {PaymentId}: refund {ActionId} {State}")]
    private static partial void RefundFinished(ILogger logger, string paymentId, string actionId, string state);
}
