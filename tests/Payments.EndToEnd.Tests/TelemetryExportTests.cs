using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.EndToEnd.Tests.Fleet;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>One OTLP/HTTP request as a collector receives it.</summary>
public sealed record OtlpExport(string Path, string? ContentType, byte[] Body)
{
    /// <summary>Protobuf writes strings as their UTF-8 bytes and ids as raw bytes: both are found in the body as they are.</summary>
    public bool Holds(string text) => Holds(Encoding.UTF8.GetBytes(text));

    public bool Holds(byte[] bytes) => Body.AsSpan().IndexOf(bytes) >= 0;
}

/// <summary>
/// A real OTLP endpoint on a free port: it accepts every export and keeps it. Over HTTP (<c>http/protobuf</c>), or over
/// gRPC (HTTP/2 without TLS, the unary <c>Export</c> of each signal's service: a length-prefixed protobuf message in,
/// an empty one and <c>grpc-status: 0</c> out); a gRPC export is kept under the path its HTTP twin would have.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpExport> _exports = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public string Url => _app.Urls.Single();

    public IReadOnlyList<OtlpExport> Exports => [.. _exports];

    /// <summary>What arrived, for a failure message: each path with its count and bytes.</summary>
    public string Describe() => string.Join(", ", Exports.GroupBy(x => x.Path)
        .Select(g => $"{g.Key}: {g.Count()} exports, {g.Sum(x => x.Body.Length)} bytes"));

    public static async Task<OtlpReceiver> StartAsync(bool grpc = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        if (grpc)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(
                endpoint => endpoint.Protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2));
        }

        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/{signal}", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            receiver._exports.Enqueue(new OtlpExport(request.Path, request.ContentType, body.ToArray()));
            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/opentelemetry.proto.collector.{signal}.v1.{service}/Export", async (HttpContext context, string signal) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            // The 5-byte gRPC frame header (compressed flag, big-endian length) before the protobuf message.
            var message = body.ToArray().AsSpan(Math.Min(5, (int)body.Length)).ToArray();
            var path = signal switch { "trace" => "/v1/traces", "metrics" => "/v1/metrics", _ => "/v1/logs" };
            receiver._exports.Enqueue(new OtlpExport(path, context.Request.ContentType, message));
            context.Response.ContentType = "application/grpc";
            await context.Response.Body.WriteAsync(new byte[5]);
            context.Response.AppendTrailer("grpc-status", "0");
        });
        await app.StartAsync();
        return receiver;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}

/// <summary>
/// A running host configured only by the standard <c>OTEL_*</c> variables exports to a real OTLP/HTTP receiver: the
/// traces of a payment (spans with our ids, the trace id its log lines carry), our metrics with their values, and its
/// logs; with no <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, nothing leaves the process.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class when_a_host_is_pointed_at_a_collector(PostgresDatabase database) : IAsyncLifetime
{
    private const string ServiceName = "payments-e2e-collector";
    private FleetOfHosts _fleet = null!;
    private OtlpReceiver _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await OtlpReceiver.StartAsync();
        _fleet = await FleetOfHosts.CreateAsync(database, "e2e_telemetry");
    }

    public async ValueTask DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task traces_metrics_and_logs_reach_it_by_otlp_http()
    {
        var host = _fleet.StartHost(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = ServiceName,
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
            ["Logging__Console__FormatterOptions__IncludeScopes"] = "true",
        });
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));

        var payment = await _fleet.CreateCapturedPaymentAsync(host, 1500, "ORD-OTLP-1");
        foreach (var webhook in payment.Webhooks)
        {
            (await FleetOfHosts.DeliverAsync(host, webhook)).ShouldBe(HttpStatusCode.OK);
        }

        // The decision's log line carries the trace id of the request that made it (the JSON formatter's scopes).
        var decided = await Eventually.Until(() => Task.FromResult(host.Lines.FirstOrDefault(l =>
                l.Json is not null && l.Text.StartsWith($"Payment {payment.Id}:", StringComparison.Ordinal))),
            line => line is not null, TimeSpan.FromSeconds(30));
        var traceId = TraceIdOf(decided!.Json!);
        traceId.Length.ShouldBe(32);

        // Spans of one trace may come in several exports (the batch is sent every 200 ms).
        var exports = await Eventually.Until(() => Task.FromResult(_receiver.Exports), e =>
                e.Any(x => x.Path == "/v1/traces" && x.Holds(Convert.FromHexString(traceId)))
                && e.Any(x => x.Path == "/v1/traces" && x.Holds(payment.Id.ToString()))
                && e.Any(x => x.Path == "/v1/metrics" && x.Holds("payments.payment.events") && x.Holds("captured") && x.Holds("payments.webhook.lag"))
                && e.Any(x => x.Path == "/v1/logs" && x.Holds($"Payment {payment.Id}")),
            TimeSpan.FromSeconds(60), e => _receiver.Describe());

        exports.ShouldAllBe(x => x.ContentType == "application/x-protobuf");
        exports.ShouldAllBe(x => x.Holds(ServiceName));
        var traces = exports.Where(x => x.Path == "/v1/traces").ToList();
        traces.ShouldContain(x => x.Holds("POST /payments") && x.Holds("checkout.payment.id") && x.Holds(payment.CheckoutPaymentId));
        traces.ShouldContain(x => x.Holds("POST /webhooks/checkout") && x.Holds("webhook.event.id") && x.Holds(payment.Webhooks[0].EventId));
        traces.ShouldAllBe(x => !x.Holds(FleetOfHosts.SecretKey) && !x.Holds(FleetOfHosts.SignatureKey) && !x.Holds(FleetOfHosts.AdminKey));
        var metrics = exports.Where(x => x.Path == "/v1/metrics").ToList();
        foreach (var name in new[] { "payments.payment.amount", "payments.webhook.lag", "http.server.request.duration", "http.client.request.duration",
                     "db.client.operation.duration", "dotnet.gc.collections",
                     // Wolverine's meter (its handlers' time and successes) and Marten's append counter.
                     Wolverine.MetricsConstants.ExecutionTime, Wolverine.MetricsConstants.MessagesSucceeded, "marten.event.append" })
        {
            metrics.ShouldContain(x => x.Holds(name), $"no metric {name} was exported");
        }
    }

    [Fact]
    public async Task traces_and_metrics_reach_a_collector_by_otlp_grpc()
    {
        await using var grpc = await OtlpReceiver.StartAsync(grpc: true);
        var host = _fleet.StartHost(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = grpc.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_SERVICE_NAME"] = ServiceName,
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        });
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));

        var payment = await _fleet.CreateCapturedPaymentAsync(host, 1750, "ORD-OTLP-GRPC-1");
        foreach (var webhook in payment.Webhooks)
        {
            (await FleetOfHosts.DeliverAsync(host, webhook)).ShouldBe(HttpStatusCode.OK);
        }

        var exports = await Eventually.Until(() => Task.FromResult(grpc.Exports), e =>
                e.Any(x => x.Path == "/v1/traces" && x.Holds(payment.Id.ToString()))
                && e.Any(x => x.Path == "/v1/metrics" && x.Holds("payments.payment.events") && x.Holds("captured"))
                && e.Any(x => x.Path == "/v1/logs" && x.Holds($"Payment {payment.Id}")),
            TimeSpan.FromSeconds(60), e => grpc.Describe());

        exports.ShouldAllBe(x => x.ContentType == "application/grpc");
        exports.ShouldAllBe(x => x.Holds(ServiceName));
    }

    [Fact]
    public async Task a_signal_whose_exporter_is_none_is_not_sent()
    {
        var host = _fleet.StartHost(new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = _receiver.Url,
            ["OTEL_METRICS_EXPORTER"] = "none",
            ["OTEL_LOGS_EXPORTER"] = "none",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = ServiceName,
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "200",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        });
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));

        var payment = await _fleet.CreateCapturedPaymentAsync(host, 1000, "ORD-OTLP-2");
        await Eventually.Until(() => Task.FromResult(_receiver.Exports),
            e => e.Any(x => x.Path == "/v1/traces" && x.Holds(payment.Id.ToString())), TimeSpan.FromSeconds(60), e => _receiver.Describe());
        using var scrape = await host.Client.GetAsync(new Uri("/metrics", UriKind.Relative));

        // Metrics and logs were switched off: not sent, and no scrape endpoint either.
        _receiver.Exports.Select(x => x.Path).Distinct().ShouldBe(["/v1/traces"]);
        scrape.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task prometheus_scrapes_the_payments_meter_without_a_key()
    {
        var host = _fleet.StartHost(new Dictionary<string, string> { ["OTEL_METRICS_EXPORTER"] = "prometheus" });
        await host.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        var payment = await _fleet.CreateCapturedPaymentAsync(host, 2750, "ORD-PROM-1");
        foreach (var webhook in payment.Webhooks)
        {
            (await FleetOfHosts.DeliverAsync(host, webhook)).ShouldBe(HttpStatusCode.OK);
        }

        using var anonymous = new HttpClient { BaseAddress = host.Url };
        var scraped = await Eventually.Until(async () =>
        {
            using var answer = await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative));
            answer.StatusCode.ShouldBe(HttpStatusCode.OK);
            answer.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
            return await answer.Content.ReadAsStringAsync();
        }, text => text.Contains("payments_payment_amount_fils_total{otel_scope_name=\"Payments\",payments_event=\"captured\"} 2750", StringComparison.Ordinal), TimeSpan.FromSeconds(60));

        scraped.ShouldContain("payments_payment_events_total{otel_scope_name=\"Payments\",payments_event=\"requested\"} 1");
        scraped.ShouldContain("payments_webhook_lag_seconds_count");
        _receiver.Exports.ShouldBeEmpty();
    }

    private static string TraceIdOf(string json)
    {
        using var entry = JsonDocument.Parse(json);
        return entry.RootElement.GetProperty("Scopes").EnumerateArray()
            .Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out _))
            .Select(s => s.GetProperty("TraceId").GetString()!).First();
    }
}
