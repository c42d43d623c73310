using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Notifications;
using Payments.Host.Tests.Fixtures;
using Payments.Testing;
using Shouldly;

namespace Payments.EndToEnd.Tests.Fleet;

/// <summary>
/// A notification that exists only in the database when its host dies by kill -9 (docs/architecture.md,
/// "Notifications"): the merchant's receiver is down, the host has recorded a failed attempt and scheduled the next,
/// and is killed. A new host recovers the dead node's scheduled message and the receiver, now up, gets the
/// notification exactly once, signed with the configured secret.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class when_the_host_dies_before_a_notification_is_delivered(PostgresDatabase database) : IAsyncLifetime
{
    private const string Schema = "fleet_notifications";
    private const string Secret = "whsec_fleet_notifications_secret_0123456789";
    private FleetOfHosts _fleet = null!;
    private NotificationReceiver _receiver = null!;

    public async ValueTask InitializeAsync()
    {
        _receiver = await NotificationReceiver.StartAsync();
        _fleet = await FleetOfHosts.CreateAsync(database, Schema, settings: new Dictionary<string, string>
        {
            ["Notifications__Endpoints__0__Url"] = _receiver.Url,
            ["Notifications__Endpoints__0__Secret"] = Secret,
            ["Notifications__RetryDelays__0"] = "00:00:00.500",
            ["Notifications__RetryDelays__1"] = "00:00:01",
            ["Notifications__RetryDelays__2"] = "00:00:01",
            ["Notifications__RetryDelays__3"] = "00:00:01",
            ["Notifications__RetryDelays__4"] = "00:00:01",
            ["Notifications__RetryDelays__5"] = "00:00:01",
            ["Notifications__RetryDelays__6"] = "00:00:01",
            ["Notifications__RetryDelays__7"] = "00:00:01",
            ["Notifications__RetryDelays__8"] = "00:00:01",
            ["Notifications__RetryDelays__9"] = "00:00:01",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _fleet.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task a_new_host_delivers_it_once()
    {
        _receiver.FailNext(int.MaxValue);
        var first = (await _fleet.StartHostsAsync(1))[0];
        await _fleet.SettledAsync(TimeSpan.FromSeconds(30));
        var payment = await _fleet.CreateCapturedPaymentAsync(first, 4_320, "NOTIFY-K");
        foreach (var webhook in payment.Webhooks)
        {
            (await FleetOfHosts.DeliverAsync(first, webhook)).ShouldBe(HttpStatusCode.OK);
        }

        // Produced, tried, refused: the notification is now only a row and a scheduled message of this node.
        var refused = await Eventually.Until(() => Task.FromResult(_receiver.Received), r => r.Count >= 1, TimeSpan.FromSeconds(60));
        refused[0].Type.ShouldBe("payment.captured");
        refused[0].Answered.ShouldBe(500);
        await _fleet.KillAsync(first);
        _receiver.Recover();

        var second = _fleet.StartHost();
        await second.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        await _fleet.SettledAsync(TimeSpan.FromSeconds(30));

        var accepted = await Eventually.Until(() => Task.FromResult(_receiver.Accepted), r => r.Count >= 1, TimeSpan.FromSeconds(60));
        var delivered = accepted.ShouldHaveSingleItem();
        delivered.Id.ShouldBe(refused[0].Id);
        delivered.PaymentId.ShouldBe(payment.Id);
        NotificationSignature.Verify(Secret, delivered.Timestamp!, delivered.Body, delivered.Signature!, DateTimeOffset.UtcNow).ShouldBeTrue();

        var log = await Eventually.Until(
            async () => await second.Client.GetFromJsonAsync<JsonElement>($"/notifications/{delivered.Id}"),
            l => l.GetProperty("status").GetString() == "delivered", TimeSpan.FromSeconds(30));
        var attempts = log.GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("statusCode").GetInt32()).ToList();
        attempts[^1].ShouldBe(200);
        attempts.Count(s => s == 200).ShouldBe(1);
        _receiver.Accepted.Count.ShouldBe(1);
        (await _fleet.DeadLettersAsync()).ShouldBe(0);
    }
}
