using System.Security.Cryptography;
using System.Text;
using JasperFx;
using Marten;
using Marten.Patching;
using Microsoft.Extensions.Options;
using Payments.Host.Checkout;
using Payments.Host.Payments;
using Payments.Host.Telemetry;
using Wolverine.Http;
using Wolverine.Marten;

namespace Payments.Host.Webhooks;

/// <summary>
/// <c>POST /webhooks/checkout</c> (docs/architecture.md, Webhooks): the raw body is read once (≤ 64 KiB, else 413), its
/// <c>Cko-Signature</c> and the configured <c>Authorization</c> are checked in constant time (401), it must be a strict
/// envelope (<see cref="WebhookEnvelope"/>, else 400 <c>webhook_malformed</c>); then it is stored, deduplicated by
/// event id, together with the message that will process it, in one transaction — and only then answered 200. A crash
/// after the 200 loses nothing.
/// </summary>
public static partial class ReceiveCheckoutWebhook
{
    public const int MaxBodyBytes = 64 * 1024;

    [WolverinePost("/webhooks/checkout")]
    public static async Task<IResult> Post(
        HttpRequest request, IDocumentStore store, IMartenOutbox outbox, IOptions<CheckoutOptions> options,
        TimeProvider time, ILogger<CheckoutWebhook> logger, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(outbox);
        if (request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        var body = await ReadAtMostAsync(request.Body, MaxBodyBytes + 1, cancellation);
        if (body.Length > MaxBodyBytes)
        {
            return TooLarge();
        }

        if (!Authentic(request, body, options.Value))
        {
            Rejected(logger);
            return Problems.Of(StatusCodes.Status401Unauthorized, "webhook_unauthenticated",
                "The webhook's signature or authorization is not valid");
        }

        var (envelope, problem, error) = WebhookEnvelope.Read(body);
        if (envelope is null)
        {
            Malformed(logger, problem);
            return Problems.Of(StatusCodes.Status400BadRequest, "webhook_malformed",
                "A webhook is a UTF-8 JSON object with id, type and data.id", problem, error is null ? null : [error]);
        }

        var span = SpanTags.Of(request.HttpContext);
        span.Tag(SpanTags.WebhookEventId, envelope.Id);
        span.Tag(SpanTags.CheckoutPaymentId, envelope.PaymentId);

        await using var session = store.LightweightSession();
        var webhook = new CheckoutWebhook
        {
            Id = envelope.Id, Sequence = await WebhookReceipts.NextAsync(session, cancellation), Type = envelope.Type,
            CheckoutPaymentId = envelope.PaymentId, Body = Encoding.UTF8.GetString(body), ReceivedAt = time.GetUtcNow(),
        };
        outbox.Enroll(session);
        session.Insert(webhook);
        await outbox.SendAsync(new ProcessCheckoutWebhook(webhook.Id, webhook.CheckoutPaymentId));
        try
        {
            await session.SaveChangesAsync(cancellation);
            Stored(logger, webhook.Id, webhook.Type, webhook.CheckoutPaymentId);
        }
        catch (DocumentAlreadyExistsException)
        {
            await CountRedeliveryAsync(store, webhook.Id, cancellation);
            Duplicate(logger, webhook.Id, webhook.Type);
        }

        return Results.Ok(new { received = webhook.Id });
    }

    /// <summary>
    /// One increment in the database, touching nothing else: loading the record and saving it back raced the
    /// processor, putting a processed webhook back to Received and losing counts (docs/architecture.md, Webhooks).
    /// </summary>
    private static async Task CountRedeliveryAsync(IDocumentStore store, string eventId, CancellationToken cancellation)
    {
        await using var session = store.LightweightSession();
        session.Patch<CheckoutWebhook>(eventId).Increment(w => w.Deliveries);
        await session.SaveChangesAsync(cancellation);
    }

    private static IResult TooLarge() => Problems.Of(StatusCodes.Status413PayloadTooLarge, "webhook_too_large",
        $"A webhook body is at most {MaxBodyBytes} bytes");

    /// <summary>Lowercase hex HMAC-SHA256 of the raw body, and the Authorization header when one is configured.</summary>
    public static bool Authentic(HttpRequest request, ReadOnlySpan<byte> body, CheckoutOptions options)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.WebhookSignatureKey))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(
            Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(options.WebhookSignatureKey), body)));
        var sent = Encoding.ASCII.GetBytes(request.Headers["Cko-Signature"].ToString().ToLowerInvariant());
        if (!CryptographicOperations.FixedTimeEquals(expected, sent))
        {
            return false;
        }

        return string.IsNullOrEmpty(options.WebhookAuthorization)
               || CryptographicOperations.FixedTimeEquals(
                   Encoding.UTF8.GetBytes(options.WebhookAuthorization),
                   Encoding.UTF8.GetBytes(request.Headers.Authorization.ToString()));
    }

    private static async Task<byte[]> ReadAtMostAsync(Stream stream, int limit, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while (buffer.Length < limit && (read = await stream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, limit - buffer.Length)), cancellation)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {EventId} {Type} for {CheckoutPaymentId} stored")]
    private static partial void Stored(ILogger logger, string eventId, string type, string checkoutPaymentId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Webhook {EventId} {Type} delivered again: already stored")]
    private static partial void Duplicate(ILogger logger, string eventId, string type);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook refused as malformed: {Problem}")]
    private static partial void Malformed(ILogger logger, string? problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook refused: signature or authorization does not match")]
    private static partial void Rejected(ILogger logger);
}
