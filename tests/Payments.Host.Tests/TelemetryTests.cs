using System.Diagnostics;
using System.Text.Json;
using Alba;
using Microsoft.AspNetCore.Http;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OpenTelemetry.Metrics;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Telemetry;
using Payments.Host.Tests.Fixtures;
using Payments.Host.Webhooks;
using Shouldly;
using Wolverine;
using Wolverine.Persistence.Durability;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

/// <summary>Reading what the host's OpenTelemetry pipeline exported, as a collector would receive it.</summary>
internal static class Exported
{
    public static IReadOnlyList<Activity> Ancestors(this Activity span, IReadOnlyList<Activity> trace)
    {
        var chain = new List<Activity>();
        for (var parent = trace.FirstOrDefault(s => s.SpanId == span.ParentSpanId); parent is not null;
             parent = trace.FirstOrDefault(s => s.SpanId == parent.ParentSpanId))
        {
            chain.Add(parent);
        }

        return chain;
    }

    public static object? Tag(this Activity span, string name) => span.GetTagItem(name);

    /// <summary>Collects now and returns the last exported value of a counter (summed over points matching the tag).</summary>
    public static long Counter(this AppFixture app, string name, string? @event = null)
    {
        var metric = app.Metrics.Snapshot().LastOrDefault(m => m.Name == name);
        return metric is null ? 0 : metric.MetricPoints.Where(p => Matches(p, @event)).Sum(p => p.GetSumLong());
    }

    public static long Gauge(this AppFixture app, string name, string? kind = null)
    {
        var metric = app.Metrics.Snapshot().Last(m => m.Name == name);
        return metric.MetricPoints.Single(p => kind is null || Tags(p).GetValueOrDefault("payments.kind") as string == kind)
            .GetGaugeLastValueLong();
    }

    public static (long Count, double Sum) Histogram(this AppFixture app, string name)
    {
        var metric = app.Metrics.Snapshot().LastOrDefault(m => m.Name == name);
        return metric is null ? (0, 0) : (metric.MetricPoints.Sum(p => p.GetHistogramCount()), metric.MetricPoints.Sum(p => p.GetHistogramSum()));
    }

    public static void Collect(this AppFixture app)
    {
        app.Metrics.Clear();
        app.Host.Services.GetRequiredService<MeterProvider>().ForceFlush().ShouldBeTrue();
    }

    private static bool Matches(MetricPoint point, string? @event) =>
        @event is null || Tags(point).GetValueOrDefault(PaymentsMetrics.EventTag) as string == @event;

    private static Dictionary<string, object?> Tags(MetricPoint point)
    {
        var tags = new Dictionary<string, object?>();
        foreach (var tag in point.Tags)
        {
            tags[tag.Key] = tag.Value;
        }

        return tags;
    }
}

/// <summary>
/// One trace follows a webhook from <c>POST /webhooks/checkout</c> through its stored message to the handler that
/// appends the events, with the database statements and the Checkout.com call it causes as descendants; the spans name
/// the payment, Checkout.com's payment and the webhook, and nothing secret.
/// </summary>
public class when_a_webhook_is_traced(AppFixture app) : HostTest(app)
{
    private readonly Guid _id = Guid.CreateVersion7();
    private readonly string _eventId = $"evt_traced_{Guid.NewGuid():N}";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await App.AcceptedAndCapturedAtCheckoutAsync(_id);
        App.Spans.Start();
    }

    [Fact]
    public async Task one_trace_runs_from_the_request_through_the_stored_message_to_the_handler_that_appends_the_events()
    {
        await App.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(30)).ExecuteAndWaitAsync(async Task (IMessageContext _) =>
            (await App.PostWebhook(SignedWebhooks.Captured(_eventId, _id))).EnsureSuccessStatusCode());

        var spans = App.Spans.Snapshot();
        var request = spans.Single(s => s.Kind == ActivityKind.Server && s.Tag(SpanTags.WebhookEventId) as string == _eventId);
        request.DisplayName.ShouldBe("POST /webhooks/checkout");
        request.Tag(SpanTags.CheckoutPaymentId).ShouldBe(Given.CheckoutId);
        var trace = spans.Where(s => s.TraceId == request.TraceId).ToList();

        // The handler of the stored message: Wolverine carried the context through the durable queue.
        var handler = trace.Single(s => s.Source.Name == "Wolverine" && s.Tag(SpanTags.WebhookEventId) as string == _eventId);
        handler.Tag(SpanTags.CheckoutPaymentId).ShouldBe(Given.CheckoutId);
        handler.Tag(SpanTags.PaymentId).ShouldBe(_id.ToString());
        handler.Ancestors(trace).ShouldContain(request);

        // Its statements (the lock, the events, the webhook's outcome) and the follow-up's call to Checkout.com.
        trace.Where(s => s.Source.Name == "Npgsql" && s.Ancestors(trace).Contains(handler)).ShouldNotBeEmpty();
        var calls = trace.Where(s => s.Kind == ActivityKind.Client && s.Source.Name == "System.Net.Http").ToList();
        calls.ShouldNotBeEmpty();
        calls.ShouldAllBe(c => (string?)c.Tag("url.full") == $"{App.Checkout.Url}/payments/{Given.CheckoutId}" && c.Ancestors(trace).Contains(handler));
        (await App.Store.Stream(_id)).Select(e => e.EventType).ShouldContain(typeof(PaymentCaptured));

        // The fleet's polling is not traced: no statement is exported without an operation above it.
        spans.Where(s => s.Source.Name == "Npgsql").ShouldAllBe(s => s.ParentSpanId != default);
    }

    [Fact]
    public async Task no_span_carries_a_key_a_signature_or_the_webhook_body()
    {
        var body = SignedWebhooks.Captured(_eventId, _id);
        await App.Host.TrackActivity().Timeout(TimeSpan.FromSeconds(30)).ExecuteAndWaitAsync(async Task (IMessageContext _) =>
            (await App.PostWebhook(body)).EnsureSuccessStatusCode());

        var values = App.Spans.Snapshot().SelectMany(s => s.TagObjects).Select(t => t.Value?.ToString() ?? "").ToList();
        values.ShouldNotBeEmpty();
        values.ShouldAllBe(v => !v.Contains("sk_sbox") && !v.Contains(AppFixture.WebhookSignatureKey)
                                && !v.Contains(SignedWebhooks.Sign(System.Text.Encoding.UTF8.GetBytes(body)))
                                && !v.Contains("\"metadata\""));
    }
}

/// <summary>A payment request is one trace from the merchant's request to Checkout.com and back.</summary>
public class when_a_payment_request_is_traced(AppFixture app) : HostTest(app)
{
    private const string MerchantKey = "Bearer pk_dev_merchant_3f9c2a71";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        App.Spans.Start();
    }

    [Fact]
    public async Task the_request_span_names_both_payments_and_holds_the_call_to_checkout_and_the_statements()
    {
        App.Checkout.AnswerJson(new
        {
            id = Given.CheckoutId, status = "Pending", reference = "ORD-TRACE-1",
            _links = new { redirect = new { href = Given.Redirect } },
        }, StatusCodes.Status201Created);

        var result = await App.Host.Scenario(x =>
        {
            x.Post.Json(new
            {
                amount = 1250, currency = "KWD", reference = "ORD-TRACE-1", language = "en",
                successUrl = "https://shop.example/ok", failureUrl = "https://shop.example/fail",
            }).ToUrl("/payments");
            x.WithRequestHeader("Authorization", MerchantKey);
            x.StatusCodeShouldBe(StatusCodes.Status201Created);
        });
        var id = result.ReadAsJson<JsonElement>().GetProperty("id").GetGuid();

        var spans = App.Spans.Snapshot();
        var request = spans.Single(s => s.Kind == ActivityKind.Server && s.DisplayName == "POST /payments");
        request.Tag(SpanTags.PaymentId).ShouldBe(id.ToString());
        request.Tag(SpanTags.CheckoutPaymentId).ShouldBe(Given.CheckoutId);
        var trace = spans.Where(s => s.TraceId == request.TraceId).ToList();
        var call = trace.Single(s => s.Kind == ActivityKind.Client && s.Source.Name == "System.Net.Http");
        call.Tag("http.request.method").ShouldBe("POST");
        call.Tag("url.full").ShouldBe($"{App.Checkout.Url}/payments");
        call.Tag("http.response.status_code").ShouldBe(201);
        call.Ancestors(trace).ShouldContain(request);
        trace.Where(s => s.Source.Name == "Npgsql").ShouldAllBe(s => s.Ancestors(trace).Contains(request));
        trace.Count(s => s.Source.Name == "Npgsql").ShouldBeGreaterThan(0);
    }
}

/// <summary>
/// The <c>Payments</c> meter after a scripted lifecycle: each count and amount moves by exactly what the committed
/// events say, the webhook lag by the time between acknowledgement and the applying commit, and the gauges count the
/// fleet's backlog from the database.
/// </summary>
public class when_a_lifecycle_is_measured(AppFixture app) : HostTest(app)
{
    private readonly Guid _id = Guid.CreateVersion7();

    private static readonly string[] Counters =
        ["payments.payment.events", "payments.payment.amount", "payments.refund.events", "payments.refund.amount"];

    private Dictionary<string, long> Read()
    {
        App.Collect();
        var values = new Dictionary<string, long>();
        foreach (var counter in Counters)
        {
            foreach (var @event in new[] { "requested", "captured", "declined", "rejected", "canceled", "expired", "succeeded", "failed" })
            {
                values[$"{counter}/{@event}"] = App.Counter(counter, @event);
            }
        }

        values["payments.review.flags"] = App.Counter("payments.review.flags");
        var (count, sum) = App.Histogram("payments.webhook.lag");
        values["payments.webhook.lag/count"] = count;
        values["payments.webhook.lag/sum-ms"] = (long)Math.Round(sum * 1000);
        return values;
    }

    [Fact]
    public async Task each_count_and_amount_moves_by_what_was_committed()
    {
        var before = Read();

        await App.AcceptedAndCapturedAtCheckoutAsync(_id);
        // The capture arrives as a webhook acknowledged 2.5 s before the handler's commit.
        var eventId = $"evt_lag_{Guid.NewGuid():N}";
        await using (var session = App.Store.LightweightSession())
        {
            session.Insert(new CheckoutWebhook
            {
                Id = eventId, Sequence = await WebhookReceipts.NextAsync(session, TestContext.Current.CancellationToken),
                Type = "payment_captured", CheckoutPaymentId = Given.CheckoutId, Body = SignedWebhooks.Captured(eventId, _id),
                ReceivedAt = App.Clock.GetUtcNow() - TimeSpan.FromMilliseconds(2500),
            });
            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await App.Host.InvokeMessageAndWaitAsync(new ProcessCheckoutWebhook(eventId, Given.CheckoutId));
        var first = Guid.CreateVersion7();
        var second = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new ReserveRefund(_id, first, 300, "R-1"));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyRefundFact(_id, new RefundFact.Accepted(first, "act_r1")));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyRefundFact(_id, new RefundFact.Refunded(Given.CheckoutId, "act_r1", first, 300)));
        await App.Host.InvokeMessageAndWaitAsync(new ReserveRefund(_id, second, 200, "R-2"));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyRefundFact(_id, new RefundFact.Refused(second, 422, ["refund_amount_invalid"])));
        // An expiry after the capture contradicts what we know: a review flag, not an expiry.
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, new PaymentFact.Expired(Given.CheckoutId, "act_late")));

        var after = Read();
        var moved = after.Where(kv => kv.Value != before[kv.Key]).ToDictionary(kv => kv.Key, kv => kv.Value - before[kv.Key]);
        moved.ShouldBe(new Dictionary<string, long>
        {
            ["payments.payment.events/requested"] = 1,
            ["payments.payment.amount/requested"] = 1000,
            ["payments.payment.events/captured"] = 1,
            ["payments.payment.amount/captured"] = 1000,
            ["payments.refund.events/requested"] = 2,
            ["payments.refund.amount/requested"] = 500,
            ["payments.refund.events/succeeded"] = 1,
            ["payments.refund.amount/succeeded"] = 300,
            ["payments.refund.events/failed"] = 1,
            ["payments.refund.amount/failed"] = 200,
            ["payments.review.flags"] = 1,
            ["payments.webhook.lag/count"] = 1,
            ["payments.webhook.lag/sum-ms"] = 2500,
        }, ignoreOrder: true);
    }

    [Fact]
    public async Task each_way_a_payment_can_fail_is_counted_with_its_amount()
    {
        var before = Read();

        PaymentFact[] endings =
        [
            new PaymentFact.CaptureDeclined(Given.CheckoutId, "act_d", "20005", "Declined - Do Not Honour"),
            new PaymentFact.Canceled(Given.CheckoutId, "act_c"),
            new PaymentFact.Expired(Given.CheckoutId, "act_e"),
        ];
        foreach (var ending in endings)
        {
            var id = Guid.CreateVersion7();
            await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(id, Given.Request(1250)));
            await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
            await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, ending));
        }

        var rejected = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(rejected, Given.Request(2000)));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(rejected, new PaymentFact.Rejected(422, "request_invalid", ["amount_invalid"], "req_1")));

        var after = Read();
        var moved = after.Where(kv => kv.Value != before[kv.Key]).ToDictionary(kv => kv.Key, kv => kv.Value - before[kv.Key]);
        moved.ShouldBe(new Dictionary<string, long>
        {
            ["payments.payment.events/requested"] = 4,
            ["payments.payment.amount/requested"] = 3 * 1250 + 2000,
            ["payments.payment.events/declined"] = 1,
            ["payments.payment.amount/declined"] = 1250,
            ["payments.payment.events/canceled"] = 1,
            ["payments.payment.amount/canceled"] = 1250,
            ["payments.payment.events/expired"] = 1,
            ["payments.payment.amount/expired"] = 1250,
            ["payments.payment.events/rejected"] = 1,
        }, ignoreOrder: true);
    }

    [Fact]
    public async Task the_gauges_count_what_waits_across_the_fleet()
    {
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(Guid.CreateVersion7(), Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(Guid.CreateVersion7(), Given.Request()));
        await App.AcceptedAndCapturedAtCheckoutAsync(_id);
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id,
            new PaymentFact.Captured(Given.CheckoutId, "act_c", 1000, "00")));
        await App.Host.InvokeMessageAndWaitAsync(new ReserveRefund(_id, Guid.CreateVersion7(), 100, "R-1"));
        await App.Host.InvokeMessageAndWaitAsync(new ReserveRefund(_id, Guid.CreateVersion7(), 100, "R-2"));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(_id, new PaymentFact.Expired(Given.CheckoutId, "act_late")));
        await using (var session = App.Store.LightweightSession())
        {
            session.Insert(new CheckoutWebhook { Id = $"evt_parked_{Guid.NewGuid():N}", Type = "payment_captured", Processing = WebhookProcessing.Parked });
            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        await Sql("delete from payments.wolverine_dead_letters");
        var letter = Guid.NewGuid();
        await App.Host.Services.GetRequiredService<IMessageStore>().Inbox.MoveToDeadLetterStorageAsync(
            new Envelope { Id = letter, MessageType = "telemetry-test", Data = [0x7b, 0x7d], Destination = new Uri("local://telemetry"), SentAt = App.Clock.GetUtcNow() },
            new InvalidOperationException("a bug"));
        try
        {
            var backlog = await App.Host.Services.GetRequiredService<PaymentsBacklog>().CountAsync();
            App.Collect();

            (backlog!.UndecidedPayments, backlog.UndecidedRefunds, backlog.AwaitingReview, backlog.ParkedWebhooks, backlog.DeadLetters)
                .ShouldBe((2L, 2L, 1L, 1L, 1L));
            App.Gauge("payments.undecided", "payment").ShouldBe(2);
            App.Gauge("payments.undecided", "refund").ShouldBe(2);
            App.Gauge("payments.review.open").ShouldBe(1);
            App.Gauge("payments.webhooks.parked").ShouldBe(1);
            App.Gauge("payments.dead_letters").ShouldBe(1);
        }
        finally
        {
            await Sql($"delete from payments.wolverine_dead_letters where id = '{letter}'");
        }
    }

    private static async Task Sql(string sql)
    {
        await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("ConnectionStrings__Payments"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// The gauges' count when PostgreSQL does not answer: no number is made up and the collection is not held, the count
/// reports nothing (the gauges then export no point) and the next collection tries again.
/// </summary>
public class when_the_backlog_cannot_be_counted(AppFixture app) : HostTest(app)
{
    [Fact]
    public async Task the_gauges_report_nothing_rather_than_a_guess()
    {
        // Nothing listens on port 9: every connection is refused.
        using var unreachable = DocumentStore.For(options =>
        {
            options.Connection("Host=127.0.0.1;Port=9;Database=payments;Username=payments;Password=payments;Timeout=2");
            options.DatabaseSchemaName = "payments";
        });
        // Its own meter factory: on the host's, its gauges would join the host's meter and report for this store.
        using (var meters = new ServiceCollection().AddMetrics().BuildServiceProvider())
        {
            var backlog = new PaymentsBacklog(unreachable, App.Clock,
                Microsoft.Extensions.Options.Options.Create(new TelemetryOptions()),
                meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(),
                Microsoft.Extensions.Logging.Abstractions.NullLogger<PaymentsBacklog>.Instance);

            (await backlog.CountAsync()).ShouldBeNull();
            backlog.Undecided().ShouldBeEmpty();
            backlog.One(b => b.DeadLetters).ShouldBeEmpty();
        }
    }
}

/// <summary>
/// Another <c>Payments</c> meter in the same process (a second host, a tool, a test's own backlog) is not ours: the
/// host's pipeline neither counts what it records nor loses its own instruments when that meter is disposed. Both
/// happened when the provider subscribed by name; the CI run that caught it saw counters fall by tens of thousands
/// and the gauges vanish, depending on which test had disposed its meter first.
/// </summary>
public class when_another_payments_meter_lives_in_the_process(AppFixture app) : HostTest(app)
{
    [Fact]
    public void the_host_counts_only_its_own_and_keeps_exporting_after_the_other_is_disposed()
    {
        var flag = new PaymentFlaggedForReview(Guid.CreateVersion7(), "expired", PaymentStatus.Captured, "a test", App.Clock.GetUtcNow());
        var ours = App.Host.Services.GetRequiredService<PaymentsMetrics>();
        ours.Committed(flag);
        App.Collect();
        var before = App.Counter("payments.review.flags");

        using (var other = new ServiceCollection().AddMetrics().BuildServiceProvider())
        {
            var theirs = new PaymentsMetrics(other.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
            theirs.Committed(flag);
            theirs.Committed(flag);
            ours.Committed(flag);
            App.Collect();
            App.Counter("payments.review.flags").ShouldBe(before + 1);
        }

        // A retired stream is exported once more, then dropped: the second collection shows whether ours survived.
        ours.Committed(flag);
        App.Collect();
        App.Collect();
        App.Counter("payments.review.flags").ShouldBe(before + 2);
    }
}
