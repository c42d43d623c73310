using System.Globalization;
using System.Net.Http.Json;
using Payments.Bench.Infrastructure;
using Payments.Bench.Load;
using Payments.Bench.Report;

namespace Payments.Bench.Figures;

/// <summary>
/// <c>POST /payments</c> p99 at 200 requests/s (open loop) against an instant sandbox: validation, the idempotency
/// claim, PaymentRequested, the Checkout.com call and PaymentPending, end to end through real processes.
/// </summary>
internal sealed class RequestPaymentLatencyFigure : IFigure
{
    private const double Rate = 200;
    private const int PoolSize = 16;
    private const int WarmupWorkers = 8;
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(10);

    public string Key => "post";

    public async Task<IReadOnlyList<FigureRow>> RunAsync(BenchContext context, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var p99 = new List<double>();
        var notes = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture,
                $"Open loop {Rate:F0} req/s for {context.Scale.OpenLoop.TotalSeconds:F0} s after {Warmup.TotalSeconds:F0} s of closed-loop warm-up " +
                $"({WarmupWorkers} senders; its rate is the host's capacity, below); a unique " +
                $"Idempotency-Key per request; the body of tests/…/Wired.cs PaymentBody; sandbox with no ApiDelay and no webhooks; host pool {PoolSize}. " +
                $"Latency from the scheduled time (HdrHistogram)."),
        };
        var evidence = new List<string>();
        for (var repeat = 0; repeat < context.Options.Repeats; repeat++)
        {
            await context.Database.ResetSchemaAsync(cancellation);
            await using var sandbox = await context.Services.StartSandboxAsync(cancellation);
            await using var host = await context.Services.StartHostAsync(0, PoolSize, cancellation);
            using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
            {
                BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30),
            };
            client.DefaultRequestHeaders.Authorization = new("Bearer", Services.MerchantKey);
            var sequence = 0;
            async Task<bool?> Post(CancellationToken token)
            {
                var n = Interlocked.Increment(ref sequence);
                using var request = new HttpRequestMessage(HttpMethod.Post, "/payments") { Content = JsonContent.Create(Body(n)) };
                request.Headers.Add("Idempotency-Key", $"bench-{repeat}-{n}");
                using var response = await client.SendAsync(request, token);
                return response.IsSuccessStatusCode;
            }

            // The first request makes Wolverine generate and compile the endpoint's code (seconds on two cores): alone,
            // so the capacity probe after it measures the endpoint, not Roslyn.
            var first = System.Diagnostics.Stopwatch.StartNew();
            await Post(cancellation);
            BenchContext.Log($"  first POST /payments (code generation): {first.Elapsed.TotalSeconds:F1} s");
            var capacity = await ClosedLoop.RunAsync(WarmupWorkers, Warmup, async (_, token) => await Post(token), cancellation);
            BenchContext.Log($"  POST /payments closed loop, {WarmupWorkers} senders: {capacity.SucceededPerSecond:F0} req/s, failed {capacity.Failed}");
            var latency = new LatencyRecorder();
            var service = new LatencyRecorder();
            await using var sampler = await ResourceSampler.StartAsync([host], context.Database, cancellation);
            var outcome = await OpenLoop.RunAsync(Rate, context.Scale.OpenLoop, Post, latency, service, cancellation);
            var resources = await sampler.StopAsync(cancellation);
            p99.Add(latency.Milliseconds(99));
            BenchContext.Log(string.Create(CultureInfo.InvariantCulture,
                $"  POST /payments at {Rate:F0}/s: p50 {latency.Milliseconds(50):F1} ms, p99 {latency.Milliseconds(99):F1} ms, failed {outcome.Failed}"));
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"Run: closed-loop capacity {capacity.SucceededPerSecond:F0} req/s ({capacity.Failed} failed); open loop: {outcome.Succeeded} answered 2xx, {outcome.Failed} not; p50 {latency.Milliseconds(50):F1} ms, p99.9 {latency.Milliseconds(99.9):F1} ms, " +
                $"max {latency.Milliseconds(100):F1} ms; service-time p99 {service.Milliseconds(99):F1} ms; host RSS {resources.SteadyRssMegabytes:F0} MB."));
            evidence.Add($"closed-loop capacity with {WarmupWorkers} senders: {capacity.SucceededPerSecond:F0} req/s; " + resources.PerOperation(outcome.Succeeded, "request"));
        }

        return [new FigureRow($"`POST /payments` p99 at {Rate:F0} req/s, instant sandbox", Spread.Of(p99), "ms", "F1", null, null,
            Target.Below(20, "< 20 ms"), TargetOnRatio: false, notes, evidence)];
    }

    /// <summary>tests/Payments.EndToEnd.Tests/Fixtures/Wired.cs PaymentBody, with a reference of its own.</summary>
    private static Dictionary<string, object?> Body(int n) => new()
    {
        ["amount"] = 1000 + (n % 97 * 250),
        ["currency"] = "KWD",
        ["reference"] = $"ORD-{n % 100_000:D5}",
        ["language"] = "en",
        ["userDefinedField1"] = "order 5023",
        ["successUrl"] = "https://shop.example/knet/ok",
        ["failureUrl"] = "https://shop.example/knet/fail",
        ["customer"] = new { email = "buyer@example.com", name = "Buyer" },
        ["metadata"] = new { cart = "c-42" },
    };
}
