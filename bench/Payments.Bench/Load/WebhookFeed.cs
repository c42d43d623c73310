using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Payments.Host.Checkout;

namespace Payments.Bench.Load;

/// <summary>A webhook body as Checkout.com sends it, with its <c>Cko-Signature</c>.</summary>
internal sealed record SignedWebhook(byte[] Body, string Signature);

/// <summary>
/// The lifecycle Checkout.com reports for approved KNET payments: <c>payment_capture_pending</c> then
/// <c>payment_captured</c> for each seeded payment. Handed out in blocks (the approvals of a block, then its
/// captures), so a capture normally follows its approval, as on the wire. Thread-safe; null once every payment has
/// had both.
/// </summary>
internal sealed class WebhookFeed(IReadOnlyList<Infrastructure.SeededPayment> payments, string signatureKey, int block = 50)
{
    private readonly byte[] key = Encoding.UTF8.GetBytes(signatureKey);
    private long next = -1;

    public long Handed => Interlocked.Read(ref next) + 1;

    public SignedWebhook? Next()
    {
        var i = Interlocked.Increment(ref next);
        var within = i % (2 * block);
        var index = (int)(i / (2 * block) * block + within % block);
        if (index >= payments.Count)
        {
            return null;
        }

        var payment = payments[index];
        var captured = within >= block;
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            id = $"evt_bench_{(captured ? "cap" : "apr")}_{index:D10}",
            type = captured ? "payment_captured" : "payment_capture_pending",
            version = "1.0.29",
            created_on = DateTimeOffset.UtcNow.ToString("O"),
            data = new
            {
                id = payment.CheckoutPaymentId,
                action_id = $"act_{(captured ? "cap" : "apr")}_{index:D10}",
                amount = payment.Amount,
                currency = "KWD",
                response_code = "10000",
                response_summary = "Approved",
                metadata = new Dictionary<string, string> { [CheckoutClient.PaymentIdMetadataKey] = payment.Id.ToString() },
            },
        });
        return new SignedWebhook(body, Convert.ToHexStringLower(HMACSHA256.HashData(key, body)));
    }
}
