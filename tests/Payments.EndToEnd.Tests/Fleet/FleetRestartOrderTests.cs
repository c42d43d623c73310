using System.Net;
using Npgsql;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using Payments.EndToEnd.Tests.Fixtures;

namespace Payments.EndToEnd.Tests.Fleet;

/// <summary>
/// The only host acknowledges a payment's capture_pending and captured webhooks and dies by kill -9 before it applies
/// either (docs/architecture.md, "Webhooks in order"). The test holds the payment's stream row so the host's handler
/// is provably stuck behind it when the kill comes. While no host runs, the message of the earlier webhook is removed
/// from the dead node's inbox: the worst order a recovery could pick, the later webhook's message alone. A new host
/// recovers the dead node's messages and must still apply both, approval before capture, each once.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class when_the_only_host_dies_before_applying_a_payments_webhooks(PostgresDatabase database) : IAsyncLifetime
{
    private const string Schema = "fleet_restart_order";
    private FleetOfHosts _fleet = null!;

    public async ValueTask InitializeAsync() => _fleet = await FleetOfHosts.CreateAsync(database, Schema);

    public ValueTask DisposeAsync() => _fleet.DisposeAsync();

    [Fact]
    public async Task webhooks_are_applied_in_receipt_order_after_the_restart()
    {
        var first = (await _fleet.StartHostsAsync(1))[0];
        await _fleet.SettledAsync(TimeSpan.FromSeconds(30));
        var payment = await _fleet.CreateCapturedPaymentAsync(first, 4_320, "FLEET-C");
        var (approval, capture) = (payment.Webhooks[1], payment.Webhooks[2]);
        (approval.Type, capture.Type).ShouldBe(("payment_capture_pending", "payment_captured"));

        // Hold the payment's stream row: the host stores and acknowledges both webhooks, and its handler waits behind us.
        await using var blocker = await _fleet.OpenAsync();
        await using var hold = await blocker.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand($"select 1 from {Schema}.mt_streams where id = @id for update", blocker, hold))
        {
            take.Parameters.AddWithValue("id", payment.Id);
            (await take.ExecuteScalarAsync()).ShouldBe(1);
        }

        (await FleetOfHosts.DeliverAsync(first, approval)).ShouldBe(HttpStatusCode.OK);
        (await FleetOfHosts.DeliverAsync(first, capture)).ShouldBe(HttpStatusCode.OK);
        await Eventually.Until(() => WaitingForLocks($"{Schema}-{first.Name}"), waiting => waiting >= 1);
        var before = await _fleet.WebhooksAsync();
        before[approval.EventId].Processing.ShouldBe("Received");
        before[capture.EventId].Processing.ShouldBe("Received");
        before[approval.EventId].Sequence.ShouldBeLessThan(before[capture.EventId].Sequence);

        await _fleet.KillAsync(first);
        await hold.RollbackAsync();

        // With no host running, only the captured webhook's message is left in the dead node's inbox.
        (await Sql($"delete from {Schema}.wolverine_incoming_envelopes where position(convert_to(@id, 'UTF8') in body) > 0", approval.EventId))
            .ShouldBe(1, "the approval's message was in the dead node's inbox");
        (await Sql($"select count(*) from {Schema}.wolverine_incoming_envelopes where owner_id <> 0 and position(convert_to(@id, 'UTF8') in body) > 0", capture.EventId))
            .ShouldBe(1, "the capture's message is still owned by the dead node");

        var second = _fleet.StartHost();
        await second.WaitUntilReadyAsync(TimeSpan.FromSeconds(120));
        await _fleet.SettledAsync(TimeSpan.FromSeconds(20));

        var stream = await Eventually.Until(() => _fleet.EventsAsync([payment.Id]),
            e => e.Any(x => x.Type == "knet_details_recorded"), TimeSpan.FromSeconds(30));
        stream.Select(e => (e.Type, e.Cause)).ShouldBe(
        [
            ("payment_requested", stream[0].Cause), ("payment_pending", stream[1].Cause),
            ("payment_approved", $"webhook:{approval.EventId}"), ("payment_captured", $"webhook:{capture.EventId}"),
            ("knet_details_recorded", $"checkout:GET /payments/{payment.CheckoutPaymentId}"),
        ]);
        var after = await _fleet.WebhooksAsync();
        after[approval.EventId].ShouldBe(before[approval.EventId] with { Processing = "Applied" });
        after[capture.EventId].ShouldBe(before[capture.EventId] with { Processing = "Applied" });
        (await _fleet.DeadLettersAsync()).ShouldBe(0);
        _fleet.Failures().ShouldBeEmpty($"neither host logged a failure ({_fleet.LogFiles})");
    }

    private async Task<long> WaitingForLocks(string applicationName) =>
        await Sql("select count(*) from pg_stat_activity where application_name = @id and wait_event_type = 'Lock'", applicationName);

    /// <summary>A count (select count(*)) or the rows a statement touched.</summary>
    private async Task<long> Sql(string sql, string id)
    {
        await using var connection = await _fleet.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        return sql.StartsWith("select", StringComparison.Ordinal)
            ? (long)(await command.ExecuteScalarAsync())!
            : await command.ExecuteNonQueryAsync();
    }
}
