using Marten;
using Npgsql;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

public sealed class when_a_pending_payments_check_is_lost(PostgresDatabase database)
{
    private const string Schema = "e2e_sweeper";

    [Fact]
    public async Task the_sweeper_on_its_timer_brings_it_back_and_checkout_settles_the_payment()
    {
        // No webhooks: once its check is gone, nothing but the sweeper would ever ask Checkout.com about this payment.
        await using var e2e = await Wired.StartAsync(database, Schema, new Dictionary<string, string?>
        {
            // Due 4 s after acceptance, found missing after 6 s: the sweeper's check is due at once.
            ["Payments:OutcomeCheckAfter"] = "00:00:04",
            ["Payments:Sweeper:Interval"] = "00:00:00.200",
            ["Payments:Sweeper:SettleTime"] = "00:00:06",
        }, webhooks: false);
        await DeleteChecksAsync(e2e);
        var (id, redirect) = await e2e.CreatePaymentAsync();
        (await Eventually.Until(() => DeleteChecksAsync(e2e), deleted => deleted > 0)).ShouldBe(1);

        await e2e.PayOnKnetPageAsync(redirect);

        await e2e.PaymentInAsync(id, "Captured", TimeSpan.FromSeconds(30));
        var stream = await e2e.StreamAsync(id);
        stream.Select(e => e.EventTypeName).ShouldBe(["payment_requested", "payment_pending", "payment_captured", "knet_details_recorded"]);
        stream[2].Headers!["cause"].ToString().ShouldBe("scheduled:ReconcilePayment#1");
    }

    /// <summary>Loses every not yet handled ReconcilePayment of this stack, as a deleted row or a crash before enrolment would.</summary>
    private static async Task<int> DeleteChecksAsync(Wired e2e)
    {
        await using var connection = e2e.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            $"delete from {Schema}.wolverine_incoming_envelopes where message_type = 'Payments.Host.Payments.ReconcilePayment' and status <> 'Handled'", connection);
        return await command.ExecuteNonQueryAsync();
    }
}
