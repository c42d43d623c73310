using System.Text.Json;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Npgsql;
using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.FollowUps;
using Payments.Host.Payments;
using Payments.Host.RateLimits;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using Wolverine;
using Wolverine.Runtime.Serialization;
using Wolverine.Tracking;
using Wolverine.Util;

namespace Payments.Host.Tests;

/// <summary>A follow-up message as Wolverine's incoming table holds it.</summary>
public sealed record StoredCheck(Guid EnvelopeId, string Status, DateTimeOffset? ExecutionTime, object Message);

/// <summary>
/// The sweeper's tests call a sweep directly (the fixture switches its timer off). They read Wolverine's table on
/// their own path (the envelope format, then plain JSON), not through the sweeper's, so a sweeper that misreads a
/// stored check cannot agree with itself here.
/// </summary>
public abstract class SweeperTest(AppFixture app) : HostTest(app)
{
    protected const string CheckoutId = Given.CheckoutId;

    /// <summary>The clock after the shift: every seed in these tests happens at this instant.</summary>
    protected DateTimeOffset T0 { get; private set; }

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await Execute($"delete from {Table} where message_type = any(@types)", ("types", Types.Keys.ToArray()));

        // Wolverine fires a scheduled message by the real clock, and the tests' clock starts days behind it: a check
        // due "now" by the tests' clock would run at once and call a Checkout.com that is not there. Whole days ahead
        // of the real clock, every check stays in the table, where the test can read it.
        App.Clock.Advance(TimeSpan.FromDays((DateTimeOffset.UtcNow - ManualClock.Start).Days + 2));
        T0 = App.Clock.GetUtcNow();
    }

    protected Task<SweepOutcome> Sweep() => App.Host.Services.GetRequiredService<Sweeper>().SweepAsync(TestContext.Current.CancellationToken);

    /// <summary>What the payment's creator would have done: schedule its first check through Wolverine.</summary>
    protected async Task Schedule(object check, DateTimeOffset due)
    {
        await using var scope = App.Host.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IMessageBus>().ScheduleAsync(check, due);
    }

    protected async Task<Guid> Requested()
    {
        var id = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(id, Given.Request()));
        return await Forgotten(id);
    }

    /// <summary>
    /// The seeds go through the real handlers, which write each check with its events; a test starts from the world
    /// after those checks were lost, and schedules what it means to find.
    /// </summary>
    private async Task<Guid> Forgotten(Guid paymentId)
    {
        foreach (var check in await ChecksFor(paymentId))
        {
            await Lose(check);
        }

        return paymentId;
    }

    protected async Task<Guid> Pending()
    {
        var id = await Requested();
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Accepted(CheckoutId, Given.Redirect)));
        return await Forgotten(id);
    }

    /// <summary>Captured, and KNET's record recorded as the read after the capture brings it.</summary>
    protected async Task<Guid> Captured()
    {
        var id = await CapturedWithoutKnetRecord();
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.KnetDetailsReported(CheckoutId, Knet)));
        return await Forgotten(id);
    }

    protected async Task<Guid> CapturedWithoutKnetRecord()
    {
        var id = await Pending();
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Captured(CheckoutId, "act_capture", 1000, "10000")));
        return await Forgotten(id);
    }

    protected static readonly KnetDetails Knet =
        new("100201914315601265", "CAPTURED", null, "201914315601", "201914315601265", "643931", "00", "1116", "N", null, null);

    protected async Task<(Guid Payment, Guid Refund)> RefundRequested()
    {
        var id = await Captured();
        var refund = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new ReserveRefund(id, refund, 400, null));
        return (await Forgotten(id), refund);
    }

    protected async Task<(Guid Payment, Guid Refund)> RefundPending()
    {
        var (id, refund) = await RefundRequested();
        await App.Host.InvokeMessageAndWaitAsync(new ApplyRefundFact(id, new RefundFact.Accepted(refund, "act_refund")));
        return (await Forgotten(id), refund);
    }

    /// <summary>Every stored follow-up check about this payment, handled rows included.</summary>
    protected async Task<IReadOnlyList<StoredCheck>> ChecksFor(Guid paymentId) =>
        [.. (await AllChecks()).Where(c => c.Message is ResolvePaymentRequest m && m.PaymentId == paymentId
            || c.Message is ReconcilePayment r && r.PaymentId == paymentId
            || c.Message is ResolveRefund f && f.PaymentId == paymentId
            || c.Message is ReconcileRefund g && g.PaymentId == paymentId
            || c.Message is ReadKnetDetails k && k.PaymentId == paymentId)];

    protected async Task Lose(StoredCheck check)
    {
        ArgumentNullException.ThrowIfNull(check);
        (await Execute($"delete from {Table} where id = @id", ("id", check.EnvelopeId))).ShouldBe(1);
    }

    private static readonly Dictionary<string, Type> Types = CheckTarget.MessageTypes.ToDictionary(t => t.ToMessageTypeName());
    private const string Table = "payments.wolverine_incoming_envelopes";

    private async Task<IReadOnlyList<StoredCheck>> AllChecks()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(
            $"select id, status, execution_time, message_type, body from {Table} where message_type = any(@types)", connection);
        command.Parameters.AddWithValue("types", Types.Keys.ToArray());
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var checks = new List<StoredCheck>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            var envelope = EnvelopeSerializer.Deserialize(reader.GetFieldValue<byte[]>(4));
            var message = JsonSerializer.Deserialize(envelope.Data, Types[reader.GetString(3)], JsonSerializerOptions.Web)!;
            checks.Add(new StoredCheck(reader.GetGuid(0), reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2), message));
        }

        return checks;
    }

    private async Task<int> Execute(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    protected async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = App.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        return connection;
    }
}

public class when_a_requested_payment_lost_its_check(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task the_sweep_schedules_one_resolve_payment_request_due_now()
    {
        var id = await Requested();
        await Schedule(new ResolvePaymentRequest(id, 1), T0 + TimeSpan.FromSeconds(10));
        await Lose((await ChecksFor(id)).Single());
        App.Clock.Advance(TimeSpan.FromMinutes(3));

        var sweep = await Sweep();

        sweep.ShouldBe(new SweepOutcome(true, 1));
        var check = (await ChecksFor(id)).ShouldHaveSingleItem();
        check.Message.ShouldBe(new ResolvePaymentRequest(id, 1));
        check.Status.ShouldBe("Scheduled");
        // Its first check was due ten seconds after the request: long past, so now.
        check.ExecutionTime.ShouldBe(T0 + TimeSpan.FromMinutes(3));
    }
}

public class when_a_pending_payment_lost_its_check(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task the_sweep_schedules_one_reconcile_payment_when_it_was_due()
    {
        var id = await Pending();
        await Schedule(new ReconcilePayment(id, 1), T0 + TimeSpan.FromMinutes(9));
        await Lose((await ChecksFor(id)).Single());
        App.Clock.Advance(TimeSpan.FromMinutes(3));

        var sweep = await Sweep();

        sweep.ShouldBe(new SweepOutcome(true, 1));
        var check = (await ChecksFor(id)).ShouldHaveSingleItem();
        check.Message.ShouldBe(new ReconcilePayment(id, 1));
        check.Status.ShouldBe("Scheduled");
        // Payments:OutcomeCheckAfter (9 minutes) after Checkout.com accepted it, not earlier.
        check.ExecutionTime.ShouldBe(T0 + TimeSpan.FromMinutes(9));
    }
}

public class when_a_requested_refund_lost_its_check(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task the_sweep_schedules_one_resolve_refund_due_now()
    {
        var (id, refund) = await RefundRequested();
        await Schedule(new ResolveRefund(id, refund, 1), T0 + TimeSpan.FromSeconds(10));
        await Lose((await ChecksFor(id)).Single());
        App.Clock.Advance(TimeSpan.FromMinutes(3));

        var sweep = await Sweep();

        sweep.ShouldBe(new SweepOutcome(true, 1));
        var check = (await ChecksFor(id)).ShouldHaveSingleItem();
        check.Message.ShouldBe(new ResolveRefund(id, refund, 1));
        check.ExecutionTime.ShouldBe(T0 + TimeSpan.FromMinutes(3));
    }
}

public class when_a_pending_refund_lost_its_check(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task the_sweep_schedules_one_reconcile_refund_when_it_was_due()
    {
        var (id, refund) = await RefundPending();
        await Schedule(new ReconcileRefund(id, refund, 1), T0 + TimeSpan.FromMinutes(10));
        await Lose((await ChecksFor(id)).Single());
        App.Clock.Advance(TimeSpan.FromMinutes(3));

        var sweep = await Sweep();

        sweep.ShouldBe(new SweepOutcome(true, 1));
        var check = (await ChecksFor(id)).ShouldHaveSingleItem();
        check.Message.ShouldBe(new ReconcileRefund(id, refund, 1));
        // Payments:RefundCheckAfter (10 minutes) after Checkout.com accepted the refund.
        check.ExecutionTime.ShouldBe(T0 + TimeSpan.FromMinutes(10));
    }
}

public class when_a_check_is_still_pending(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task two_sweeps_add_no_second_check()
    {
        var (id, refund) = await RefundPending();
        var pending = await Pending();
        // Later links of their chains: a pending check counts whatever its attempt.
        await Schedule(new ReconcileRefund(id, refund, 3), T0 + TimeSpan.FromHours(1));
        await Schedule(new ReconcilePayment(pending, 2), T0 + TimeSpan.FromHours(1));
        var before = (await ChecksFor(id)).Concat(await ChecksFor(pending)).ToList();
        App.Clock.Advance(TimeSpan.FromMinutes(3));

        var first = await Sweep();
        var second = await Sweep();

        first.ShouldBe(new SweepOutcome(true, 0));
        second.ShouldBe(new SweepOutcome(true, 0));
        before.Select(c => c.Message).ShouldBe([new ReconcileRefund(id, refund, 3), new ReconcilePayment(pending, 2)]);
        (await ChecksFor(id)).Concat(await ChecksFor(pending)).ShouldBe(before);
    }
}

/// <summary>
/// Found by the simulator (seed 10, payment 1897): the reads of KNET's record start only from the outcome check and the
/// read after a webhook's decision; both lost, the payment stayed without its record and without the flag that says so.
/// </summary>
public class when_a_decided_payment_lost_its_read_of_knets_record(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task the_sweep_schedules_one_read_when_it_was_due()
    {
        var id = await CapturedWithoutKnetRecord();
        App.Clock.Advance(TimeSpan.FromMinutes(3));
        var decided = (await App.Store.Snapshot(id))!.StatusChanges[^1].At;

        var sweep = await Sweep();

        sweep.ShouldBe(new SweepOutcome(true, 1));
        var check = (await ChecksFor(id)).ShouldHaveSingleItem();
        check.Message.ShouldBe(new ReadKnetDetails(id, 1));
        var timings = App.Host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<PaymentTimings>>().Value;
        check.ExecutionTime.ShouldBe(new[] { decided + timings.KnetDetailsRetries[0], T0 + TimeSpan.FromMinutes(3) }.Max());
    }

    [Fact]
    public async Task a_late_outcome_check_of_the_payment_stands_for_the_read()
    {
        // The capture webhook's ReconcilePayment #0 reads the record; delayed in the inbox, it is not missing (the
        // simulator saw the sweeper add a second series of reads beside it).
        var id = await CapturedWithoutKnetRecord();
        await Schedule(new ReconcilePayment(id, 0), T0 + TimeSpan.FromMinutes(30));
        App.Clock.Advance(TimeSpan.FromMinutes(3));

        var sweep = await Sweep();

        sweep.ShouldBe(new SweepOutcome(true, 0));
        (await ChecksFor(id)).ShouldHaveSingleItem().Message.ShouldBe(new ReconcilePayment(id, 0));
    }

    [Fact]
    public async Task a_payment_flagged_for_the_missing_record_gets_none()
    {
        var id = await CapturedWithoutKnetRecord();
        await App.Host.InvokeMessageAndWaitAsync(new FlagPaymentForReview(id, "KNET's record still missing at Checkout.com after 5 reads"));
        App.Clock.Advance(TimeSpan.FromMinutes(3));

        var sweep = await Sweep();

        sweep.ShouldBe(new SweepOutcome(true, 0));
        (await ChecksFor(id)).ShouldBeEmpty();
    }
}

public class when_a_payment_is_decided(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task it_gets_no_check()
    {
        var captured = await Captured();
        var (refunded, refund) = await RefundPending();
        await App.Host.InvokeMessageAndWaitAsync(new ApplyRefundFact(refunded, new RefundFact.Refunded(CheckoutId, "act_refund", refund, 400)));
        var rejected = await Requested();
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(rejected, new PaymentFact.Rejected(422, "request_invalid", ["amount_invalid"], "req_1")));
        App.Clock.Advance(TimeSpan.FromMinutes(3));

        var sweep = await Sweep();

        sweep.ShouldBe(new SweepOutcome(true, 0));
        (await App.Store.Snapshot(rejected))!.Status.ShouldBe(PaymentStatus.Rejected);
        (await App.Store.Snapshot(refunded))!.Status.ShouldBe(PaymentStatus.PartiallyRefunded);
        (await ChecksFor(captured)).ShouldBeEmpty();
        (await ChecksFor(refunded)).ShouldBeEmpty();
        (await ChecksFor(rejected)).ShouldBeEmpty();
    }
}

public class when_a_payment_is_flagged_for_review(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task what_the_flag_names_is_left_to_the_operator()
    {
        var id = await Pending();
        var (withRefund, refund) = await RefundRequested();
        await App.Host.InvokeMessageAndWaitAsync(new FlagPaymentForReview(id, "still undecided at Checkout.com after 5 checks"));
        await App.Host.InvokeMessageAndWaitAsync(new FlagPaymentForReview(withRefund, $"refund {refund} still undecided at Checkout.com after 5 checks"));
        App.Clock.Advance(TimeSpan.FromMinutes(3));

        var sweep = await Sweep();

        sweep.ShouldBe(new SweepOutcome(true, 0));
        (await App.Store.Snapshot(id))!.ShouldSatisfyAllConditions(p => p.Status.ShouldBe(PaymentStatus.Pending), p => p.NeedsReview.ShouldBeTrue());
        (await ChecksFor(id)).ShouldBeEmpty();
        (await ChecksFor(withRefund)).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_flag_that_carries_the_refund_leaves_its_check_whatever_its_reason_says()
    {
        var (id, refund) = await RefundRequested();
        await using (var session = App.Store.LightweightSession())
        {
            session.Events.Append(id, new PaymentFlaggedForReview(id, "a refund fact", PaymentStatus.Captured,
                "the refund succeeded where the payment cannot take it", App.Clock.GetUtcNow(), refund));
            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        App.Clock.Advance(TimeSpan.FromMinutes(3));

        var sweep = await Sweep();

        sweep.ShouldBe(new SweepOutcome(true, 0));
        (await ChecksFor(id)).ShouldBeEmpty();
    }

    /// <summary>
    /// Found by the simulator (seed 5, payment 1504): a payment flagged about something else kept its refund in flight
    /// without any check, so a refund Checkout.com approved showed Pending for ever.
    /// </summary>
    [Fact]
    public async Task a_refund_the_flag_does_not_name_is_still_checked()
    {
        var (id, refund) = await RefundRequested();
        await App.Host.InvokeMessageAndWaitAsync(new FlagPaymentForReview(id, "a capture webhook contradicts the payment"));
        App.Clock.Advance(TimeSpan.FromMinutes(3));

        var sweep = await Sweep();

        sweep.ShouldBe(new SweepOutcome(true, 1));
        (await ChecksFor(id)).ShouldHaveSingleItem().Message.ShouldBe(new ResolveRefund(id, refund, 1));
    }
}

public class when_an_operator_canceled_the_checks(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task the_sweep_re_creates_none_and_a_scheduled_ask_again_does_nothing()
    {
        var id = await Requested();
        await App.Host.InvokeMessageAndWaitAsync(new Operations.CancelPaymentChecks(id,
            "http:POST /operations/payments/x/checks/cancel by admin-dev (t) reason: settling with support"));
        App.Clock.Advance(TimeSpan.FromMinutes(3));
        var asked = App.Checkout.Requests.Count;

        var sweep = await Sweep();
        await App.Host.InvokeMessageAndWaitAsync(new ResolvePaymentRequest(id, 1));

        sweep.ShouldBe(new SweepOutcome(true, 0));
        (await ChecksFor(id)).ShouldBeEmpty();
        App.Checkout.Requests.Count.ShouldBe(asked);
        (await App.Store.Snapshot(id))!.ShouldSatisfyAllConditions(p => p.Status.ShouldBe(PaymentStatus.Requested), p => p.ChecksCanceled.ShouldBeTrue());
    }
}

public class when_its_creator_may_still_be_enrolling_the_check(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task the_sweep_waits_for_the_settle_time()
    {
        var id = await Requested();
        App.Clock.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromTicks(1));

        var early = await Sweep();
        App.Clock.Advance(TimeSpan.FromTicks(1));
        var settled = await Sweep();

        early.ShouldBe(new SweepOutcome(true, 0));
        settled.ShouldBe(new SweepOutcome(true, 1));
        (await ChecksFor(id)).ShouldHaveSingleItem().Message.ShouldBe(new ResolvePaymentRequest(id, 1));
    }
}

public class when_two_nodes_sweep_at_once(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task each_lost_check_is_created_exactly_once()
    {
        var ids = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await Pending());
        }

        App.Clock.Advance(TimeSpan.FromMinutes(3));

        var sweeps = await Task.WhenAll(Sweep(), Sweep());

        sweeps.Sum(s => s.Recreated).ShouldBe(20);
        foreach (var id in ids)
        {
            (await ChecksFor(id)).ShouldHaveSingleItem().Message.ShouldBe(new ReconcilePayment(id, 1));
        }
    }

    [Fact]
    public async Task a_node_skips_its_round_while_another_holds_the_lock()
    {
        var id = await Pending();
        App.Clock.Advance(TimeSpan.FromMinutes(3));
        await using var otherNode = await OpenAsync();
        await using var transaction = await otherNode.BeginTransactionAsync(TestContext.Current.CancellationToken);
        await using (var take = new NpgsqlCommand("select pg_advisory_xact_lock(@key, hashtext('payments'))", otherNode, transaction))
        {
            take.Parameters.AddWithValue("key", Sweeper.LockKey);
            await take.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var skipped = await Sweep();
        var checksWhileLocked = await ChecksFor(id);
        await transaction.CommitAsync(TestContext.Current.CancellationToken);
        var next = await Sweep();

        skipped.ShouldBe(new SweepOutcome(false, 0));
        checksWhileLocked.ShouldBeEmpty();
        next.ShouldBe(new SweepOutcome(true, 1));
        (await ChecksFor(id)).ShouldHaveSingleItem().Message.ShouldBe(new ReconcilePayment(id, 1));
    }
}

public class when_the_settle_time_is_no_longer_than_a_checkout_call
{
    [Fact]
    public void the_sweeper_options_are_refused()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Checkout:TotalTimeout"] = "00:00:30",
            ["Checkout:SecretKey"] = "sk_sbox_settle_time_test",
            ["Checkout:WebhookSignatureKey"] = "whsec_settle_time_test",
            ["Payments:Sweeper:SettleTime"] = "00:00:30",
        }).Build();
        using var services = new ServiceCollection()
            .AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = Environments.Development })
            .AddCheckout(configuration).AddSweeper(configuration).BuildServiceProvider();

        var refused = Should.Throw<OptionsValidationException>(() => services.GetRequiredService<IOptions<SweeperOptions>>().Value);

        refused.Failures.ShouldBe([
            "Payments:Sweeper:SettleTime is 00:00:30, not longer than Checkout:TotalTimeout (00:00:30): a sweep could start a second chain of "
            + "checks beside one still being enrolled (environment: Payments__Sweeper__SettleTime).",
        ]);
    }
}

public class when_idempotency_keys_pass_their_retention(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task the_sweep_deletes_their_records_and_keeps_the_others()
    {
        await using (var session = App.Store.LightweightSession())
        {
            session.Store(
                new IdempotencyRecord { Id = "k|POST /payments|old", ExpiresAt = T0 - TimeSpan.FromSeconds(1), State = IdempotencyState.Completed },
                new IdempotencyRecord { Id = "k|POST /payments|live", ExpiresAt = T0 + TimeSpan.FromHours(1), State = IdempotencyState.Completed });
            await session.SaveChangesAsync();
        }

        await Sweep();

        await using var query = App.Store.QuerySession();
        (await query.Query<IdempotencyRecord>().Select(r => r.Id).ToListAsync()).ShouldBe(["k|POST /payments|live"]);
    }
}

public class when_rate_limit_windows_have_ended(AppFixture app) : SweeperTest(app)
{
    [Fact]
    public async Task the_sweep_deletes_their_counts_and_keeps_the_current_window()
    {
        var windows = App.Host.Services.GetRequiredService<FleetWindows>();
        var cancellation = TestContext.Current.CancellationToken;
        await using (var connection = await OpenAsync())
        {
            await using var clear = new NpgsqlCommand($"delete from {EventStore.EventStoreSetup.Schema}.{FleetWindows.TableName}", connection);
            await clear.ExecuteNonQueryAsync(cancellation);
        }

        var first = await windows.CountAsync("writes|ended", 1, cancellation);
        var second = await windows.CountAsync("writes|ended", 1, cancellation);
        App.Clock.Advance(windows.Options.Window);
        await windows.CountAsync("writes|current", 1, cancellation);

        await Sweep();

        first.Count.ShouldBe(1);
        second.Count.ShouldBe(2);
        second.UntilWindowEnds.ShouldBe(FleetWindows.WindowStart(T0, windows.Options.Window) + windows.Options.Window - T0);
        await using var read = await OpenAsync();
        await using var keys = new NpgsqlCommand($"select string_agg(key, ',') from {EventStore.EventStoreSetup.Schema}.{FleetWindows.TableName}", read);
        (await keys.ExecuteScalarAsync(cancellation)).ShouldBe("writes|current");
    }
}
