using JasperFx.Events;
using Marten;
using Payments.Domain;

namespace Payments.Bench.Infrastructure;

/// <summary>A payment the bench created: ours, Checkout.com's id for it, and its amount in fils.</summary>
internal sealed record SeededPayment(Guid Id, string CheckoutPaymentId, long Amount);

/// <summary>
/// Payments as <c>POST /payments</c> leaves them once Checkout.com has answered: PaymentRequested then PaymentPending,
/// on a Payment stream, with the inline snapshot. Amounts, references and e-mails vary so list filters select.
/// </summary>
internal static class PaymentSeeder
{
    private const int StreamsPerSession = 500;
    public static readonly DateTimeOffset Epoch = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    public static SeededPayment Payment(int index) =>
        new(Guid.CreateVersion7(Epoch.AddSeconds(index)), $"pay_bench{index:D10}", 1000 + (index % 97) * 250);

    public static KnetPaymentRequest Request(SeededPayment payment, int index)
    {
        ArgumentNullException.ThrowIfNull(payment);
        return new KnetPaymentRequest
        {
            Amount = payment.Amount, Reference = $"ORD-{index % 50_000:D5}", Language = "en",
            SuccessUrl = "https://shop.example/knet/ok", FailureUrl = "https://shop.example/knet/fail",
            CustomerEmail = $"buyer{index % 10_000}@example.com", CustomerName = "Buyer",
        };
    }

    /// <summary>The events the API appends for a payment Checkout.com accepted.</summary>
    public static object[] PendingEvents(SeededPayment payment, int index)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var at = Epoch.AddSeconds(index);
        return
        [
            new PaymentRequested(payment.Id, Request(payment, index), at),
            new PaymentPending(payment.Id, payment.CheckoutPaymentId, $"http://127.0.0.1/knet/{payment.CheckoutPaymentId}", at.AddSeconds(1)),
        ];
    }

    /// <summary>Through ordinary sessions, so the inline Payment snapshot is written as the host writes it.</summary>
    public static async Task<IReadOnlyList<SeededPayment>> SeedPendingAsync(IDocumentStore store, int count, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        var payments = Enumerable.Range(0, count).Select(Payment).ToArray();
        await Parallel.ForEachAsync(Enumerable.Range(0, (count + StreamsPerSession - 1) / StreamsPerSession),
            new ParallelOptions { MaxDegreeOfParallelism = 2, CancellationToken = cancellation }, async (batch, token) =>
            {
                await using var session = store.LightweightSession();
                for (var i = batch * StreamsPerSession; i < Math.Min(count, (batch + 1) * StreamsPerSession); i++)
                {
                    session.Events.StartStream<Payment>(payments[i].Id, PendingEvents(payments[i], i));
                }

                await session.SaveChangesAsync(token);
            });
        return payments;
    }

    /// <summary>A whole captured lifecycle (requested, pending, approved, captured), as stream actions for COPY.</summary>
    public static StreamAction CapturedStream(IDocumentStore store, int index)
    {
        ArgumentNullException.ThrowIfNull(store);
        var payment = Payment(index);
        var at = Epoch.AddSeconds(index);
        var action = StreamAction.Start(((DocumentStore)store).Events, payment.Id,
        [
            .. PendingEvents(payment, index),
            new PaymentApproved(payment.Id, payment.CheckoutPaymentId, $"act_approve{index}", at.AddSeconds(60)),
            new PaymentCaptured(payment.Id, payment.CheckoutPaymentId, $"act_capture{index}", payment.Amount, "10000", at.AddSeconds(61)),
        ]);
        action.AggregateType = typeof(Payment);
        return action;
    }
}
