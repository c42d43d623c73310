using System.Diagnostics;
using System.Globalization;
using Marten;
using Payments.Bench.Infrastructure;
using Payments.Bench.Load;
using Payments.Bench.Report;
using Payments.Domain;
using Weasel.Core;

namespace Payments.Bench.Figures;

/// <summary>
/// <c>GET /payments</c> with filters over N payment snapshot documents (bulk inserted, folded by the domain's own
/// <see cref="Payment.Evolve"/>), p99 over a fixed, varied set of filter combinations.
/// </summary>
internal sealed class BackOfficeListFigure : IFigure
{
    private const int DocumentsPerCopy = 50_000;

    public string Key => "list";

    public async Task<IReadOnlyList<FigureRow>> RunAsync(BenchContext context, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var count = context.Scale.ListPayments;
        await context.Database.ResetSchemaAsync(cancellation);
        var seeding = Stopwatch.StartNew();
        await using (var seed = await SeedStore.CreateAsync(context.Options.ConnectionString, cancellation))
        {
            for (var first = 0; first < count; first += DocumentsPerCopy)
            {
                var documents = Enumerable.Range(first, Math.Min(DocumentsPerCopy, count - first)).Select(Snapshot).ToList();
                await seed.Store.BulkInsertAsync(documents, BulkInsertMode.InsertsOnly, 10_000, cancellation);
            }
        }

        await context.Database.ExecuteAsync($"analyze {BenchOptions.Schema}.mt_doc_payment", cancellation);
        BenchContext.Log($"  {count:N0} payment documents in {seeding.Elapsed.TotalSeconds:F0} s");
        await using var host = await context.Services.StartHostAsync(0, 4, cancellation);
        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", Services.BackOfficeKey);
        var queries = Queries(count, context.Scale.ListRequests);
        foreach (var query in queries.Take(100))
        {
            using var warm = await client.GetAsync(new Uri(query, UriKind.Relative), cancellation);
        }

        var p99 = new List<double>();
        var notes = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"{count:N0} `Payment` documents bulk inserted (statuses: 70% Captured, 10% Pending, 5% CapturePending, 8% Canceled, " +
                $"5% Expired, 1.9% Declined, 0.1% Rejected), analyzed; then {queries.Count:N0} sequential requests (1 connection, " +
                $"after 100 warm-up requests) cycling through filters: none, one or two statuses, a reference, a customer e-mail, an amount " +
                $"range, a one-day createdFrom/createdTo range, a checkoutPaymentId, and combinations; limit 50."),
        };
        var evidence = new List<string>();
        for (var repeat = 0; repeat < context.Options.Repeats; repeat++)
        {
            var latency = new LatencyRecorder();
            var perFilter = new Dictionary<string, LatencyRecorder>();
            var failed = 0;
            foreach (var query in queries)
            {
                var clock = Stopwatch.StartNew();
                using var response = await client.GetAsync(new Uri(query, UriKind.Relative), cancellation);
                await response.Content.LoadIntoBufferAsync(cancellation);
                latency.Record(clock.Elapsed);
                var kind = Kind(query);
                (perFilter.TryGetValue(kind, out var recorder) ? recorder : perFilter[kind] = new LatencyRecorder()).Record(clock.Elapsed);
                if (!response.IsSuccessStatusCode && failed++ == 0)
                {
                    BenchContext.Log($"  {query} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellation)}");
                }
            }

            p99.Add(latency.Milliseconds(99));
            BenchContext.Log(string.Create(CultureInfo.InvariantCulture, $"  GET /payments: p50 {latency.Milliseconds(50):F1} ms, p99 {latency.Milliseconds(99):F1} ms, failed {failed}"));
            notes.Add(string.Create(CultureInfo.InvariantCulture, $"Run: p50 {latency.Milliseconds(50):F1} ms, max {latency.Milliseconds(100):F1} ms, {failed} non-2xx."));
            evidence.Add("p99 by filter: " + string.Join("; ", perFilter.OrderByDescending(f => f.Value.Milliseconds(99))
                .Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Key} {f.Value.Milliseconds(99):F1} ms"))));
        }

        return [new FigureRow($"Back-office list with filters at {count:N0} payments, p99", Spread.Of(p99), "ms", "F1", null, null,
            Target.Below(20, "< 20 ms"), TargetOnRatio: false, notes, evidence)];
    }

    /// <summary>The snapshot the inline projection would hold for seeded payment <paramref name="index"/>.</summary>
    private static Payment Snapshot(int index)
    {
        var payment = PaymentSeeder.Payment(index);
        var at = PaymentSeeder.Epoch.AddSeconds(index);
        var pending = PaymentSeeder.PendingEvents(payment, index);
        var bucket = index % 1000;
        object[] events = bucket switch
        {
            < 700 =>
            [
                .. pending, new PaymentApproved(payment.Id, payment.CheckoutPaymentId, "act_a", at.AddSeconds(60)),
                new PaymentCaptured(payment.Id, payment.CheckoutPaymentId, "act_c", payment.Amount, "10000", at.AddSeconds(61)),
            ],
            < 800 => pending,
            < 850 => [.. pending, new PaymentApproved(payment.Id, payment.CheckoutPaymentId, "act_a", at.AddSeconds(60))],
            < 930 => [.. pending, new PaymentCanceled(payment.Id, payment.CheckoutPaymentId, "act_x", at.AddSeconds(60), payment.Amount)],
            < 980 => [.. pending, new PaymentExpired(payment.Id, payment.CheckoutPaymentId, "act_e", at.AddSeconds(420), payment.Amount)],
            < 999 =>
            [
                .. pending, new PaymentCaptureDeclined(payment.Id, payment.CheckoutPaymentId, "act_d", "20051", "Declined", at.AddSeconds(60), payment.Amount),
            ],
            _ => [pending[0], new PaymentRejected(payment.Id, 422, "request_invalid", ["amount_invalid"], "req_1", at.AddSeconds(1))],
        };
        return events.Aggregate((Payment?)null, Payment.Evolve)!;
    }

    /// <summary>A fixed, varied sequence of list queries (seeded random, so every run asks the same things).</summary>
    private static List<string> Queries(int count, int total)
    {
        var random = new Random(42);
        string Day() => PaymentSeeder.Epoch.AddSeconds(random.Next(count)).UtcDateTime.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var makers = new Func<string>[]
        {
            () => "/payments",
            () => "/payments?status=Captured",
            () => "/payments?status=Pending&status=CapturePending",
            () => "/payments?status=Declined",
            () => "/payments?status=Rejected",
            () => $"/payments?reference=ORD-{random.Next(50_000):D5}",
            () => $"/payments?customerEmail=buyer{random.Next(10_000)}@example.com",
            () => $"/payments?minAmount={1000 + (random.Next(90) * 250)}&maxAmount={1000 + (random.Next(90, 97) * 250)}",
            () => $"/payments?createdFrom={Day()}T00:00:00Z&createdTo={Day()}T23:59:59Z",
            () => $"/payments?checkoutPaymentId=pay_bench{random.Next(count):D10}",
            () => $"/payments?status=Captured&createdFrom={Day()}T00:00:00Z",
            () => $"/payments?status=Canceled&minAmount={1000 + (random.Next(90) * 250)}",
        };
        return [.. Enumerable.Range(0, total).Select(i => makers[i % makers.Length]())];
    }

    private static string Kind(string query) => query.Contains('?', StringComparison.Ordinal)
        ? string.Join('&', query[(query.IndexOf('?', StringComparison.Ordinal) + 1)..].Split('&')
            .Select(p => p.Split('=')[0] + (p.StartsWith("status=", StringComparison.Ordinal) ? "=" + p[7..] : "")))
        : "no filter";
}
