using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Payments.Sandbox.Api;

namespace Payments.Sandbox.Webhooks;

/// <summary>
/// Sends webhooks as Checkout.com does: envelope shape 1 (§4.4), signed, with the configured <c>Authorization</c>,
/// at least once, retried after 5m, 10m, 15m, 30m, 1h, 4h, 12h, 12h (÷ TimeScale) until a 2xx, then canceled.
/// </summary>
public sealed partial class WebhookDispatcher(
    IHttpClientFactory clients,
    FaultState faults,
    SandboxTimers timers,
    TimeProvider time,
    IOptionsMonitor<SandboxOptions> options,
    ILogger<WebhookDispatcher> logger)
{
    public const string HttpClientName = "webhooks";
    public const string EventVersion = "1.0.29";

    private readonly ConcurrentQueue<WebhookDelivery> _deliveries = new();
    private readonly ConcurrentDictionary<string, WebhookDelivery> _heldForReorder = new(StringComparer.Ordinal);
    private readonly Lock _reorderGate = new();
    private readonly Lock _chainGate = new();
    private readonly Dictionary<string, Task> _chains = new(StringComparer.Ordinal);

    public IReadOnlyList<WebhookDelivery> Deliveries => [.. _deliveries];

    /// <summary>Queues one event for delivery. Called under the payment's lock, so a payment's events keep their order.</summary>
    public void Publish(SandboxPayment payment, string type, object data)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var eventId = Ids.New("evt");
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            id = eventId,
            type,
            version = EventVersion,
            created_on = time.GetUtcNow(),
            data,
            _links = new Dictionary<string, Link>
            {
                ["self"] = new($"{payment.BaseUrl}/workflows/events/{eventId}"),
                ["subject"] = new($"{payment.BaseUrl}/workflows/events/subject/{payment.Id}"),
                ["payment"] = new(payment.SelfHref),
                ["payment_actions"] = new(payment.ActionsHref),
            },
        }, CheckoutJson.Options);

        var signature = WebhookSignature.Compute(body, options.CurrentValue.WebhookSignatureKey);
        var fault = faults.Current;
        var copies = fault.DuplicateDeliveries ? 2 : 1;
        for (var copy = 0; copy < copies; copy++)
        {
            var delivery = new WebhookDelivery
            {
                DeliveryId = Ids.New("dlv"), EventId = eventId, Type = type, PaymentId = payment.Id, Body = body,
                Signature = signature, CreatedOn = time.GetUtcNow(),
            };
            _deliveries.Enqueue(delivery);
            Queued(logger, eventId, type, payment.Id);
            Start(delivery, fault);
        }
    }

    private void Start(WebhookDelivery delivery, FaultOptions fault)
    {
        if (fault.DropWebhooks)
        {
            delivery.Drop();
            Dropped(logger, delivery.EventId, delivery.Type, delivery.PaymentId);
            return;
        }

        delivery.ScheduleFirst(time.GetUtcNow() + fault.DeliveryDelay);
        if (!fault.ReorderDeliveries)
        {
            Chain(delivery.PaymentId, async () =>
            {
                await timers.DelayAsync(fault.DeliveryDelay);
                await AttemptAsync(delivery, 1);
            });
            return;
        }

        // Reordering: hold each delivery until the same payment's next one has been sent first.
        WebhookDelivery? previous;
        lock (_reorderGate)
        {
            _heldForReorder.TryRemove(delivery.PaymentId, out previous);
            if (previous is null)
            {
                _heldForReorder[delivery.PaymentId] = delivery;
            }
        }

        if (previous is null)
        {
            timers.After(options.CurrentValue.Scaled(fault.ReorderHold), () => ReleaseHeld(delivery));
            return;
        }

        Chain(delivery.PaymentId, async () =>
        {
            await timers.DelayAsync(fault.DeliveryDelay);
            await AttemptAsync(delivery, 1);
            await AttemptAsync(previous, 1);
        });
    }

    private void ReleaseHeld(WebhookDelivery delivery)
    {
        lock (_reorderGate)
        {
            if (!_heldForReorder.TryGetValue(delivery.PaymentId, out var held) || held != delivery)
            {
                return;
            }

            _heldForReorder.TryRemove(delivery.PaymentId, out _);
        }

        Chain(delivery.PaymentId, () => AttemptAsync(delivery, 1));
    }

    /// <summary>
    /// A payment's first attempts go out one after another, in the order its events happened; retries do not wait.
    /// Without the reorder fault a receiver therefore sees a clean sequence unless a delivery fails.
    /// </summary>
    private void Chain(string paymentId, Func<Task> firstAttempt)
    {
        lock (_chainGate)
        {
            var previous = _chains.GetValueOrDefault(paymentId, Task.CompletedTask);
            _chains[paymentId] = timers.AfterTask(previous, firstAttempt);
        }
    }

    private async Task AttemptAsync(WebhookDelivery delivery, int number)
    {
        var settings = options.CurrentValue;
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        int? status = null;
        string? error = null;

        if (number <= faults.Current.FailFirstAttempts)
        {
            error = "injected failure: the attempt never reached the receiver";
        }
        else if (string.IsNullOrWhiteSpace(settings.WebhookUrl))
        {
            delivery.Record(new DeliveryAttempt(number, started, null, "no webhook URL is configured", 0), DeliveryState.NotSent, null);
            return;
        }
        else
        {
            (status, error) = await SendAsync(delivery, settings);
        }

        var delivered = status is >= 200 and < 300;
        var schedule = settings.RetrySchedule;
        var retry = !delivered && number <= schedule.Count ? settings.Scaled(schedule[number - 1]) : (TimeSpan?)null;
        var state = delivered ? DeliveryState.Delivered : retry is null ? DeliveryState.Canceled : DeliveryState.Scheduled;
        delivery.Record(
            new DeliveryAttempt(number, started, status, error, clock.Elapsed.TotalMilliseconds), state,
            retry is { } r ? time.GetUtcNow() + r : null);
        Attempted(logger, delivery.EventId, delivery.Type, number, status, error ?? "", state);

        if (retry is { } wait)
        {
            timers.After(wait, () => AttemptAsync(delivery, number + 1));
        }
    }

    private async Task<(int? Status, string? Error)> SendAsync(WebhookDelivery delivery, SandboxOptions settings)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, settings.WebhookUrl);
            request.Content = new ByteArrayContent(delivery.Body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation(WebhookSignature.Header, delivery.Signature);
            if (!string.IsNullOrEmpty(settings.WebhookAuthorization))
            {
                request.Headers.TryAddWithoutValidation("Authorization", settings.WebhookAuthorization);
            }

            using var timeout = new CancellationTokenSource(settings.WebhookTimeout);
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            return ((int)response.StatusCode, response.IsSuccessStatusCode ? null : $"answered {(int)response.StatusCode}");
        }
        catch (OperationCanceledException)
        {
            return (null, $"no answer within {settings.WebhookTimeout.TotalSeconds:0.###} s");
        }
        catch (HttpRequestException e)
        {
            return (null, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {EventId} {Type} for {PaymentId} queued")]
    private static partial void Queued(ILogger logger, string eventId, string type, string paymentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {EventId} {Type} for {PaymentId} dropped (fault DropWebhooks)")]
    private static partial void Dropped(ILogger logger, string eventId, string type, string paymentId);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Webhook {EventId} {Type} attempt {Attempt}: status {StatusCode} {Error} → {State}")]
    private static partial void Attempted(
        ILogger logger, string eventId, string type, int attempt, int? statusCode, string error, DeliveryState state);
}
