using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alba;
using Marten;
using JasperFx;
using Microsoft.Extensions.DependencyInjection;
using Payments.Domain;
using Payments.Host.Notifications;
using Payments.Host.Tests.Fixtures;
using Payments.Testing;
using Shouldly;
using Wolverine.Marten.Publishing;
using Wolverine.Runtime;
using Payment = Payments.Domain.Payment;

namespace Payments.Host.Tests;

/// <summary>
/// Notifications to the merchant (docs/architecture.md, "Notifications"): events appended through a
/// Wolverine-managed session, as every handler and endpoint does, reach a real HTTP receiver signed and in order.
/// </summary>
public abstract class NotificationTest(AppFixture app) : HostTest(app), IAsyncLifetime, IAsyncDisposable
{
    protected NotificationReceiver Receiver { get; private set; } = null!;
    protected string EndpointId { get; private set; } = "";
    protected string Secret { get; private set; } = "";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Receiver = await NotificationReceiver.StartAsync();
        var created = await Admin("POST", "/notification-endpoints", new { url = Receiver.Url });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var json = await created.Content.ReadFromJsonAsync<JsonElement>();
        EndpointId = json.GetProperty("endpoint").GetProperty("id").GetString()!;
        Secret = json.GetProperty("secret").GetString()!;
    }

    public new async ValueTask DisposeAsync()
    {
        await Receiver.DisposeAsync();
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected Task<HttpResponseMessage> Admin(string method, string path, object? body = null) =>
        Call(ConsoleClient.AdminKey, method, path, body);

    protected async Task<HttpResponseMessage> Call(string? key, string method, string path, object? body = null)
    {
        var client = App.Host.Server.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }

        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>Appends in a session of Wolverine's outbox, as a handler does; the commit flushes what it forwarded.</summary>
    protected async Task AppendAsync(Action<IDocumentSession> append)
    {
        var runtime = App.Host.Services.GetRequiredService<IWolverineRuntime>();
        var context = new MessageContext(runtime);
        await using var session = App.Host.Services.GetRequiredService<OutboxedSessionFactory>().OpenSession(context);
        append(session);
        await session.SaveChangesAsync(TestContext.Current.CancellationToken);
    }

    protected Task CapturedAsync(Guid id, long amount = 1000)
    {
        var at = App.Clock.GetUtcNow();
        return AppendAsync(s => s.Events.StartStream<Payment>(id,
            new PaymentRequested(id, Given.Request(amount), at),
            new PaymentPending(id, Given.CheckoutId, Given.Redirect, at),
            new PaymentCaptured(id, Given.CheckoutId, "act_capture", amount, "10000", at)));
    }

    protected Task RefundedAsync(Guid id, long amount, int n)
    {
        var at = App.Clock.GetUtcNow();
        var refund = Guid.CreateVersion7();
        return AppendAsync(s => s.Events.Append(id,
            new RefundRequested(id, refund, amount, $"refund {n}", at),
            new RefundSucceeded(id, refund, $"act_refund_{n}", amount, at)));
    }

    /// <summary>Every POST answered 200, each verified with <paramref name="secret"/> the way the README shows.</summary>
    protected void ShouldAllVerify(IEnumerable<ReceivedNotification> received, string secret)
    {
        foreach (var r in received)
        {
            NotificationSignature.Verify(secret, r.Timestamp!, r.Body, r.Signature!, App.Clock.GetUtcNow()).ShouldBeTrue(r.Signature);
            r.ContentType.ShouldBe("application/json");
            r.Json.GetProperty("id").GetString().ShouldBe(r.Id);
        }
    }

    /// <summary>A captured payment whose notification failed every retry: the payment, and the notification as attention lists it.</summary>
    protected async Task<(Guid PaymentId, JsonElement Failed)> FailedAsync()
    {
        Receiver.FailNext(int.MaxValue);
        var id = Guid.CreateVersion7();
        await CapturedAsync(id);
        var attention = await Eventually.Until(
            async () => await (await Admin("GET", "/operations/attention")).Content.ReadFromJsonAsync<JsonElement>(),
            a => a.GetProperty("failedNotifications").GetArrayLength() == 1, TimeSpan.FromSeconds(60));
        return (id, attention.GetProperty("failedNotifications")[0]);
    }

    protected static readonly string[] Lifecycle =
        ["payment.captured", "refund.succeeded", "payment.partially_refunded", "refund.succeeded", "payment.refunded"];
}

public sealed class when_a_payment_is_captured_and_refunded(AppFixture app) : NotificationTest(app)
{
    [Fact]
    public async Task each_change_is_posted_once_signed_and_in_order()
    {
        var id = Guid.CreateVersion7();
        await CapturedAsync(id);
        await RefundedAsync(id, 400, 1);
        await RefundedAsync(id, 600, 2);

        var received = await Eventually.Until(() => Task.FromResult(Receiver.Accepted), r => r.Count >= Lifecycle.Length);
        received.Select(r => r.Type).ShouldBe(Lifecycle);
        received.Select(r => r.Id).Distinct().Count().ShouldBe(Lifecycle.Length);
        received.ShouldAllBe(r => r.PaymentId == id);
        ShouldAllVerify(received, Secret);
        received[0].Json.GetProperty("data").GetProperty("status").GetString().ShouldBe("Captured");
        received[2].Json.GetProperty("data").GetProperty("refundedAmount").GetInt64().ShouldBe(400);
        received[4].Json.GetProperty("data").GetProperty("status").GetString().ShouldBe("Refunded");

        var log = await Eventually.Until(async () => await (await Admin("GET", $"/notifications?paymentId={id}&status=delivered")).Content.ReadFromJsonAsync<JsonElement>(),
            l => l.GetArrayLength() == Lifecycle.Length);
        log[0].GetProperty("attempts")[0].GetProperty("statusCode").GetInt32().ShouldBe(200);
    }

    [Fact]
    public async Task a_rolled_back_append_posts_nothing()
    {
        var id = Guid.CreateVersion7();
        var at = App.Clock.GetUtcNow();
        await AppendAsync(s => s.Events.StartStream<Payment>(id,
            new PaymentRequested(id, Given.Request(), at), new PaymentPending(id, Given.CheckoutId, Given.Redirect, at)));

        // Decided on version 1 while the stream is at 2: the commit fails, and with it what it forwarded.
        Exception? refused = null;
        try
        {
            await AppendAsync(s => s.Events.Append(id, 2, new PaymentCaptured(id, Given.CheckoutId, "act_capture", 1000, "10000", at)));
        }
        catch (Exception e)
        {
            refused = e;
        }

        refused.ShouldBeAssignableTo<ConcurrencyException>();

        // A later committed change of another payment is posted: anything the failed one had queued would be by now.
        var other = Guid.CreateVersion7();
        await CapturedAsync(other);
        await Eventually.Until(() => Task.FromResult(Receiver.Accepted), r => r.Any(x => x.PaymentId == other));
        Receiver.Received.ShouldAllBe(r => r.PaymentId == other);
        var log = await (await Admin("GET", $"/notifications?paymentId={id}")).Content.ReadFromJsonAsync<JsonElement>();
        log.GetArrayLength().ShouldBe(0);
    }
}

public sealed class when_the_receiver_fails_for_a_while(AppFixture app) : NotificationTest(app)
{
    [Fact]
    public async Task every_notification_arrives_later_once_and_in_order()
    {
        Receiver.FailNext(3);
        var id = Guid.CreateVersion7();
        await CapturedAsync(id);
        await RefundedAsync(id, 400, 1);
        await RefundedAsync(id, 600, 2);

        var accepted = await Eventually.Until(() => Task.FromResult(Receiver.Accepted), r => r.Count >= Lifecycle.Length, TimeSpan.FromSeconds(60));
        accepted.Select(r => r.Type).ShouldBe(Lifecycle);
        accepted.Select(r => r.Id).Distinct().Count().ShouldBe(Lifecycle.Length);
        ShouldAllVerify(accepted, Secret);
        // The failures were all the first notification's: nothing overtook it while it was retried.
        Receiver.Received.Take(4).Select(r => (r.Type, r.Answered)).ShouldBe(
            [("payment.captured", 500), ("payment.captured", 500), ("payment.captured", 500), ("payment.captured", 200)]);

        var first = accepted[0].Id;
        var log = await (await Admin("GET", $"/notifications/{first}")).Content.ReadFromJsonAsync<JsonElement>();
        log.GetProperty("status").GetString().ShouldBe("delivered");
        log.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()).ShouldBe([500, 500, 500, 200]);
    }

    [Fact]
    public async Task after_the_last_retry_it_is_failed_in_attention_and_redelivered_on_request()
    {
        var (_, failed) = await FailedAsync();
        failed.GetProperty("type").GetString().ShouldBe("payment.captured");
        failed.GetProperty("attempts").GetArrayLength().ShouldBe(4);
        failed.GetProperty("nextAttemptAt").ValueKind.ShouldBe(JsonValueKind.Null);
        var notificationId = failed.GetProperty("id").GetString()!;

        Receiver.Recover();
        var redeliver = await Admin("POST", $"/notifications/{notificationId}/redeliver");
        redeliver.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var delivered = await Eventually.Until(() => Task.FromResult(Receiver.Accepted), r => r.Count == 1);
        delivered[0].Id.ShouldBe(notificationId);
        ShouldAllVerify(delivered, Secret);
        var log = await Eventually.Until(
            async () => await (await Admin("GET", $"/notifications/{notificationId}")).Content.ReadFromJsonAsync<JsonElement>(),
            l => l.GetProperty("status").GetString() == "delivered");
        log.GetProperty("attempts").GetArrayLength().ShouldBe(5);

        var again = await Admin("POST", "/notifications/ntf_unknown/redeliver");
        again.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task operators_redelivering_it_at_the_same_instant_start_one_delivery_and_get_no_error()
    {
        var (_, failed) = await FailedAsync();
        var notificationId = failed.GetProperty("id").GetString()!;
        Receiver.Recover();
        // The delivery started is held in flight, so no request can find it delivered again and start a second one.
        Receiver.Hold();

        // Each finds it failed; its optimistic concurrency lets one commit, the others are told it is pending.
        HttpResponseMessage[] answers;
        try
        {
            answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Admin("POST", $"/notifications/{notificationId}/redeliver")));
        }
        finally
        {
            Receiver.Release();
        }

        answers.Select(a => a.StatusCode).Order().ShouldBe([HttpStatusCode.Accepted, .. Enumerable.Repeat(HttpStatusCode.Conflict, 7)]);
        var log = await Eventually.Until(
            async () => await (await Admin("GET", $"/notifications/{notificationId}")).Content.ReadFromJsonAsync<JsonElement>(),
            l => l.GetProperty("status").GetString() == "delivered");
        log.GetProperty("attempts").GetArrayLength().ShouldBe(5);
        Receiver.Accepted.Select(r => r.Id).ShouldBe([notificationId]);
    }
}

/// <summary>
/// The console shows each payment's notifications with their delivery logs, lists the failed ones under attention, and
/// redelivers with <c>operations:admin</c> (the API's code); the back-office key sees and cannot act.
/// </summary>
public sealed class when_an_operator_follows_notifications_in_the_console(AppFixture app) : NotificationTest(app)
{
    [Fact]
    public async Task a_failed_notification_is_shown_with_its_attempts_and_redelivered_from_the_console()
    {
        var (id, failed) = await FailedAsync();
        var notificationId = failed.GetProperty("id").GetString()!;

        using var viewer = new ConsoleClient(App.Host);
        (await viewer.SignInAsync(ConsoleClient.BackofficeKey)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var failedSection = Section(await viewer.PageAsync("/console/attention"), "failed-notifications");
        failedSection.ShouldContain($"<td class=\"mono\">{notificationId}</td>");
        failedSection.ShouldContain("payment.captured");
        failedSection.ShouldNotContain("data-action=\"redeliver\"");
        var page = Section(await viewer.PageAsync($"/console/payments/{id}"), "notifications");
        page.ShouldContain("<span class=\"status\">Failed</span>");
        System.Text.RegularExpressions.Regex.Count(page, ": HTTP 500 in \\d+ ms</li>").ShouldBe(4);
        page.ShouldNotContain("data-action=\"redeliver\"");
        var token = await viewer.TokenOfAsync($"/console/payments/{id}");
        using (var refused = await viewer.PostFormAsync($"/console/payments/{id}?handler=Redeliver",
                   new Dictionary<string, string> { ["notification"] = notificationId, ["__csrf"] = token }))
        {
            refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }

        Receiver.Recover();
        using var admin = new ConsoleClient(App.Host);
        (await admin.SignInAsync(ConsoleClient.AdminKey)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        Section(await admin.PageAsync($"/console/payments/{id}"), "notifications").ShouldContain("data-action=\"redeliver\"");
        token = await admin.TokenOfAsync($"/console/payments/{id}");
        using (var other = await admin.PostFormAsync($"/console/payments/{Guid.CreateVersion7()}?handler=Redeliver",
                   new Dictionary<string, string> { ["notification"] = notificationId, ["__csrf"] = token }))
        {
            // Another payment's page never redelivers this payment's notification.
            other.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        }

        Receiver.Accepted.ShouldBeEmpty();
        using var redelivered = await admin.PostFormAsync($"/console/payments/{id}?handler=Redeliver",
            new Dictionary<string, string> { ["notification"] = notificationId, ["__csrf"] = token });

        redelivered.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        var delivered = await Eventually.Until(() => Task.FromResult(Receiver.Accepted), r => r.Count == 1);
        delivered.Single().Id.ShouldBe(notificationId);
        (await admin.PageAsync($"/console/payments/{id}")).ShouldContain(
            $"<p id=\"action-message\" role=\"status\" class=\"ok\">Notification {notificationId} redelivery started by admin-dev.</p>");
        var log = await Eventually.Until(() => admin.PageAsync($"/console/payments/{id}"), html => html.Contains("<span class=\"status\">Delivered</span>", StringComparison.Ordinal));
        Section(log, "notifications").ShouldContain(": HTTP 200 in ");
    }

    private static string Section(string html, string id)
    {
        var start = html.IndexOf($"<section id=\"{id}\"", StringComparison.Ordinal);
        start.ShouldBeGreaterThanOrEqualTo(0, $"no section #{id}");
        return html[start..(html.IndexOf("</section>", start, StringComparison.Ordinal) + "</section>".Length)];
    }
}

public sealed class when_a_secret_is_rotated(AppFixture app) : NotificationTest(app)
{
    [Fact]
    public async Task deliveries_carry_both_signatures_during_the_overlap_and_only_the_new_one_after()
    {
        var rotated = await Admin("POST", $"/notification-endpoints/{EndpointId}/rotate-secret");
        rotated.StatusCode.ShouldBe(HttpStatusCode.OK);
        var json = await rotated.Content.ReadFromJsonAsync<JsonElement>();
        var newSecret = json.GetProperty("secret").GetString()!;
        newSecret.ShouldStartWith("whsec_");
        json.GetProperty("previousValidUntil").GetDateTimeOffset().ShouldBe(App.Clock.GetUtcNow() + TimeSpan.FromHours(24));

        var during = Guid.CreateVersion7();
        await CapturedAsync(during);
        var first = (await Eventually.Until(() => Task.FromResult(Receiver.Accepted), r => r.Count == 1))[0];
        first.Signature!.Split(", ").Length.ShouldBe(2);
        ShouldAllVerify([first], newSecret);
        ShouldAllVerify([first], Secret);

        App.Clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        var after = Guid.CreateVersion7();
        await CapturedAsync(after);
        var second = (await Eventually.Until(() => Task.FromResult(Receiver.Accepted), r => r.Count == 2))[1];
        second.Signature!.Split(", ").Length.ShouldBe(1);
        ShouldAllVerify([second], newSecret);
        NotificationSignature.Verify(Secret, second.Timestamp!, second.Body, second.Signature, App.Clock.GetUtcNow()).ShouldBeFalse();
    }
}

public sealed class when_notification_endpoints_are_managed(AppFixture app) : NotificationTest(app)
{
    [Fact]
    public async Task only_operations_admin_may_and_no_secret_is_ever_listed()
    {
        (await Call(null, "GET", "/notification-endpoints")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await Call(ConsoleClient.BackofficeKey, "GET", "/notification-endpoints")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Call(ConsoleClient.MerchantKey, "POST", "/notification-endpoints", new { url = "https://orders.example/n" }))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Call(ConsoleClient.BackofficeKey, "POST", $"/notification-endpoints/{EndpointId}/rotate-secret")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Call(ConsoleClient.BackofficeKey, "GET", "/notifications")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Call(ConsoleClient.BackofficeKey, "POST", "/notifications/ntf_x/redeliver")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var list = await (await Admin("GET", "/notification-endpoints")).Content.ReadAsStringAsync();
        var one = await (await Admin("GET", $"/notification-endpoints/{EndpointId}")).Content.ReadAsStringAsync();
        list.ShouldContain(EndpointId);
        one.ShouldContain(Receiver.Url);
        foreach (var text in new[] { list, one })
        {
            text.ShouldNotContain(Secret);
            text.ShouldNotContain("whsec_");
        }

        (await Admin("GET", "/notification-endpoints/ne_missing")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Admin("DELETE", "/notification-endpoints/" + new string('x', 500))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Admin("GET", "/notifications/ntf_%C3%A9")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Admin("GET", "/notifications?paymentId=not-a-payment")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Admin("GET", "/notifications?status=lost")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Admin("DELETE", $"/notification-endpoints/{EndpointId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var disabled = await (await Admin("GET", $"/notification-endpoints/{EndpointId}")).Content.ReadFromJsonAsync<JsonElement>();
        disabled.GetProperty("disabled").GetBoolean().ShouldBeTrue();
    }

    [Theory]
    [InlineData("ftp://orders.example/n")]
    [InlineData("/relative/path")]
    [InlineData("https://user:password@orders.example/n")]
    [InlineData("")]
    public async Task a_url_that_is_not_absolute_http_without_credentials_is_422(string url)
    {
        var answer = await Admin("POST", "/notification-endpoints", new { url });
        answer.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("code").GetString().ShouldBe("request_invalid");
        problem.GetProperty("errors")[0].GetProperty("field").GetString().ShouldBe("url");
    }

    private static readonly string[] UnknownType = ["payment.teleported"];

    [Fact]
    public async Task an_unknown_event_type_is_422()
    {
        var answer = await Admin("POST", "/notification-endpoints", new { url = "https://orders.example/n", eventTypes = UnknownType });
        answer.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var problem = await answer.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe("event_type_unknown");
    }
}

public sealed class when_a_receiver_verifies_a_signature
{
    private const string Secret = "whsec_readme_example_secret_value";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private const string Body = """{"id":"ntf_1","type":"payment.captured"}""";

    private static string Header(string secret, DateTimeOffset at) =>
        NotificationSignature.Header([secret], at.ToUnixTimeSeconds(), Body);

    [Fact]
    public void a_fresh_signature_of_the_body_verifies() =>
        NotificationSignature.Verify(Secret, Now.ToUnixTimeSeconds().ToString(), Body, Header(Secret, Now), Now).ShouldBeTrue();

    [Fact]
    public void a_changed_body_a_wrong_secret_or_a_stale_timestamp_does_not()
    {
        var ts = Now.ToUnixTimeSeconds().ToString();
        NotificationSignature.Verify(Secret, ts, Body + " ", Header(Secret, Now), Now).ShouldBeFalse();
        NotificationSignature.Verify(Secret, ts, Body, Header("whsec_another_secret_value_1234", Now), Now).ShouldBeFalse();
        var old = Now - TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1);
        NotificationSignature.Verify(Secret, old.ToUnixTimeSeconds().ToString(), Body, Header(Secret, old), Now).ShouldBeFalse();
        NotificationSignature.Verify(Secret, "not-a-number", Body, Header(Secret, Now), Now).ShouldBeFalse();
    }

    [Fact]
    public void either_of_two_signatures_verifies()
    {
        var header = NotificationSignature.Header(["whsec_the_new_secret_value_123", Secret], Now.ToUnixTimeSeconds(), Body);
        NotificationSignature.Verify(Secret, Now.ToUnixTimeSeconds().ToString(), Body, header, Now).ShouldBeTrue();
    }
}

public sealed class when_notification_endpoints_are_configured
{
    private static IReadOnlyList<string> Failures(ConfiguredEndpoint endpoint) =>
        new NotificationOptionsValidation().Validate(null, new NotificationOptions { Endpoints = [endpoint] }).Failures?.ToList() ?? [];

    [Fact]
    public void a_url_with_credentials_a_short_secret_and_an_unknown_type_are_each_refused_at_start()
    {
        var failures = Failures(new ConfiguredEndpoint
        {
            Url = "https://user:hunter2@orders.example/n?token=abc", Secret = "whsec_short", EventTypes = ["payment.lost"],
        });

        failures.Count.ShouldBe(3);
        failures[0].ShouldStartWith("Notifications:Endpoints:0:Url is 'https://orders.example/n', carrying user information");
        failures.ShouldAllBe(f => !f.Contains("hunter2") && !f.Contains("token=abc"));
        failures[1].ShouldStartWith("Notifications:Endpoints:0:Secret has 11 characters, not at least 24");
        failures[1].ShouldNotContain("whsec_short");
        failures[2].ShouldStartWith("Notifications:Endpoints:0:EventTypes names 'payment.lost'");
    }

    [Fact]
    public void an_absolute_https_url_a_long_secret_and_known_types_pass() =>
        Failures(new ConfiguredEndpoint
        {
            Url = "https://orders.example/n", Secret = "whsec_a_long_enough_configured_secret", EventTypes = ["payment.captured"],
        }).ShouldBeEmpty();
}
