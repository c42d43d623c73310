using System.Diagnostics;
using System.Diagnostics.Metrics;
using Payments.Domain;

namespace Payments.Host.Telemetry;

/// <summary>
/// The <c>Payments</c> meter: what the payments did, counted from the events PostgreSQL committed (never from a
/// decision that might still roll back), and what waits for someone, read from the database when a reader collects
/// (docs/architecture.md, "Telemetry"). Amounts are in fils, like every amount of ours.
/// </summary>
public sealed class PaymentsMetrics
{
    public const string MeterName = "Payments";

    /// <summary>Tag naming what happened to a payment or refund.</summary>
    public const string EventTag = "payments.event";

    private readonly Counter<long> _payments;
    private readonly Counter<long> _paymentAmounts;
    private readonly Counter<long> _refunds;
    private readonly Counter<long> _refundAmounts;
    private readonly Counter<long> _reviewFlags;
    private readonly Histogram<double> _webhookLag;

    public PaymentsMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        // The factory hands every caller the same meter for a name and disposes it with the host: never dispose it here.
        var meter = meters.Create(MeterName);
        _payments = meter.CreateCounter<long>("payments.payment.events", "{payment}",
            "Payments by what happened to them: requested, captured, declined, rejected, canceled, expired.");
        _paymentAmounts = meter.CreateCounter<long>("payments.payment.amount", "fils",
            "Amounts of the payments counted by payments.payment.events, in fils.");
        _refunds = meter.CreateCounter<long>("payments.refund.events", "{refund}",
            "Refunds by what happened to them: requested, succeeded, failed.");
        _refundAmounts = meter.CreateCounter<long>("payments.refund.amount", "fils",
            "Amounts of the refunds counted by payments.refund.events, in fils.");
        _reviewFlags = meter.CreateCounter<long>("payments.review.flags", "{flag}",
            "Review flags raised: Checkout.com said something that contradicts what we know.");
        _webhookLag = meter.CreateHistogram<double>("payments.webhook.lag", "s",
            "From a webhook's acknowledgement (stored, 200 sent) to the commit that applied it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });
    }

    /// <summary>Counts what one committed event says happened; events that change no count are ignored.</summary>
    public void Committed(object @event)
    {
        switch (@event)
        {
            case PaymentRequested e:
                Payment("requested", e.Request.Amount);
                break;
            case PaymentCaptured e:
                Payment("captured", e.Amount);
                break;
            case PaymentCaptureDeclined e:
                Payment("declined", e.Amount);
                break;
            case PaymentRejected:
                Payment("rejected", 0);
                break;
            case PaymentAbandoned e:
                Payment("abandoned", e.Amount);
                break;
            case PaymentCanceled e:
                Payment("canceled", e.Amount);
                break;
            case PaymentExpired e:
                Payment("expired", e.Amount);
                break;
            case RefundRequested e:
                Refund("requested", e.Amount);
                break;
            case RefundSucceeded e:
                Refund("succeeded", e.Amount);
                break;
            case RefundDeclined e:
                Refund("failed", e.Amount);
                break;
            case PaymentFlaggedForReview:
                _reviewFlags.Add(1);
                break;
        }
    }

    /// <summary>A webhook's wait from acknowledgement to the commit that applied it.</summary>
    public void WebhookApplied(TimeSpan lag) => _webhookLag.Record(Math.Max(0, lag.TotalSeconds));

    private void Payment(string what, long amount)
    {
        var tag = new KeyValuePair<string, object?>(EventTag, what);
        _payments.Add(1, tag);
        _paymentAmounts.Add(amount, tag);
    }

    private void Refund(string what, long amount)
    {
        var tag = new KeyValuePair<string, object?>(EventTag, what);
        _refunds.Add(1, tag);
        _refundAmounts.Add(amount, tag);
    }
}

/// <summary>The attributes our spans carry: ids only, never card data or secrets.</summary>
public static class SpanTags
{
    public const string PaymentId = "payment.id";
    public const string CheckoutPaymentId = "checkout.payment.id";
    public const string WebhookEventId = "webhook.event.id";

    /// <summary>The request's own span (ASP.NET Core's), whatever span is current inside it.</summary>
    public static Activity? Of(HttpContext context) =>
        context?.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpActivityFeature>()?.Activity;

    /// <summary>
    /// Tags a span with what the code has just learned, as text (an id is text to every tracing backend, and OTLP has no
    /// type for a Guid); nothing when there is no span or no value.
    /// </summary>
    public static void Tag(this Activity? span, string name, object? value)
    {
        if (value is not null)
        {
            span?.SetTag(name, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
