using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Payments.Domain;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Reconciliation;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// One stack for the class (its start and the first use of each endpoint cost seconds; CI's budget is tight): the
/// sandbox settles what it captured and refunded, with the discrepancy faults switched on for one payment at a time,
/// and the service reconciles today's settlement day against its report. Each test looks at its own payments' entries.
/// </summary>
public sealed class SettlementStackFixture(PostgresDatabase database) : IAsyncLifetime
{
    public const string Schema = "e2e_settlement";

    public Wired E2E { get; private set; } = null!;

    public PostgresDatabase Database { get; } = database;

    public async ValueTask InitializeAsync() =>
        // No scheduled check reads a payment whose webhooks were dropped: only the reconciliation learns its capture.
        E2E = await Wired.StartAsync(Database, Schema, new Dictionary<string, string?> { ["Payments:OutcomeCheckAfter"] = "01:00:00" });

    public async ValueTask DisposeAsync() => await E2E.DisposeAsync();
}

public sealed class when_a_settlement_day_is_reconciled(SettlementStackFixture stack) : IClassFixture<SettlementStackFixture>
{
    private Wired E2E => stack.E2E;

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task a_capture_and_a_refund_settled_as_recorded_are_matched()
    {
        var (id, checkoutId) = await CapturedAsync(1500);
        await RefundAsync(id, 500);

        var (status, day) = await RunAsync(Today);

        status.ShouldBe(HttpStatusCode.OK, day.ToString());
        var ours = Entries(day, "matched", checkoutId);
        ours.Select(e => (e["kind"]!.GetValue<string>(), e["reportedAmount"]!.GetValue<long>(), e["ourAmount"]!.GetValue<long>(), e["paymentId"]!.GetValue<Guid>()))
            .OrderBy(e => e.Item1).ShouldBe([("capture", 1500L, 1500L, id), ("refund", 500L, 500L, id)]);
        foreach (var list in new[] { "missingOnOurSide", "missingOnTheirs", "amountMismatches", "settledOnAnotherDay" })
        {
            Entries(day, list, checkoutId).ShouldBeEmpty(list);
        }

        day["reportId"]!.GetValue<string>().ShouldStartWith("rpt_");
        (await GetAsync($"/reconciliation/{Day(Today)}"))["reportId"]!.GetValue<string>().ShouldBe(day["reportId"]!.GetValue<string>());
    }

    [Fact]
    public async Task a_capture_whose_webhooks_were_dropped_is_applied_through_the_machine_with_the_report_as_cause()
    {
        await E2E.SetSandboxFaultsAsync(new { drop_webhooks = true });
        var (id, redirect) = await E2E.CreatePaymentAsync(2000);
        await E2E.PayOnKnetPageAsync(redirect);
        await E2E.SetSandboxFaultsAsync(new { });
        var checkoutId = (await E2E.GetPaymentAsync(id)).GetProperty("checkoutPaymentId").GetString()!;
        (await E2E.GetPaymentAsync(id)).GetProperty("status").GetString().ShouldBe("Pending");

        var (status, day) = await RunAsync(Today);

        status.ShouldBe(HttpStatusCode.OK);
        var reportId = day["reportId"]!.GetValue<string>();
        var missing = Entries(day, "missingOnOurSide", checkoutId).ShouldHaveSingleItem();
        missing["kind"]!.GetValue<string>().ShouldBe("capture");
        missing["paymentId"]!.GetValue<Guid>().ShouldBe(id);
        missing["reportedAmount"]!.GetValue<long>().ShouldBe(2000);
        missing["note"]!.GetValue<string>().ShouldBe($"capture taken from report {reportId} through the payment machine");
        var stream = await E2E.StreamAsync(id);
        stream.Select(e => e.EventTypeName).ShouldBe(["payment_requested", "payment_pending", "payment_captured"]);
        var captured = stream[2].Data.ShouldBeOfType<PaymentCaptured>();
        (captured.CheckoutPaymentId, captured.ActionId, captured.Amount).ShouldBe((checkoutId, missing["actionId"]!.GetValue<string>(), 2000L));
        stream[2].Headers!["cause"].ToString().ShouldBe($"reconciliation:{reportId}");
        (await E2E.GetPaymentAsync(id)).GetProperty("status").GetString().ShouldBe("Captured");

        var attention = await GetAsync("/operations/attention");
        attention["reconciliationDiscrepancies"]!.AsArray()
            .Where(d => d!["checkoutPaymentId"]?.GetValue<string>() == checkoutId)
            .Select(d => (d!["kind"]!.GetValue<string>(), d["paymentId"]!.GetValue<Guid>(), d["reportId"]!.GetValue<string>()))
            .ShouldBe([("missing_on_our_side", id, reportId)]);
    }

    [Fact]
    public async Task re_running_a_day_gives_the_same_document_and_applies_nothing_twice()
    {
        await E2E.SetSandboxFaultsAsync(new { drop_webhooks = true });
        var (id, redirect) = await E2E.CreatePaymentAsync(3000);
        await E2E.PayOnKnetPageAsync(redirect);
        await E2E.SetSandboxFaultsAsync(new { });

        var (_, first) = await RunAsync(Today);
        var (_, second) = await RunAsync(Today);

        Comparable(second).ToJsonString().ShouldBe(Comparable(first).ToJsonString());
        (await E2E.StreamAsync(id)).Select(e => e.EventTypeName).ShouldBe(["payment_requested", "payment_pending", "payment_captured"]);
    }

    [Fact]
    public async Task two_runs_of_the_day_at_once_apply_the_missed_capture_once()
    {
        var id = await DroppedAsync(2500);

        var runs = await Task.WhenAll(RunAsync(Today), RunAsync(Today));

        runs.Select(r => r.Status).ShouldBe([HttpStatusCode.OK, HttpStatusCode.OK]);
        (await E2E.StreamAsync(id)).Select(e => e.EventTypeName).ShouldBe(["payment_requested", "payment_pending", "payment_captured"]);
        Comparable(runs[1].Body).ToJsonString().ShouldBe(Comparable(runs[0].Body).ToJsonString());
    }

    [Fact]
    public async Task a_run_whose_connection_is_terminated_mid_run_leaves_nothing_and_the_next_run_applies_it()
    {
        var id = await DroppedAsync(2600);
        var before = await E2E.Service.GetStringAsync($"/reconciliation/{Day(Today)}").ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "none");
        await using var holder = new NpgsqlConnection(stack.Database.ConnectionString);
        await holder.OpenAsync();
        var hold = await holder.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand($"select 1 from {SettlementStackFixture.Schema}.mt_streams where id = @id for update", holder, hold))
        {
            take.Parameters.AddWithValue("id", id);
            (await take.ExecuteScalarAsync()).ShouldBe(1);
        }

        // The run has read the report and our events, and waits on the payment's row lock inside its transaction.
        var running = RunAsync(Today);
        await Eventually.Until(() => BlockedAsync(holder, terminate: false), n => n == 1, TimeSpan.FromSeconds(30));
        (await BlockedAsync(holder, terminate: true)).ShouldBe(1);
        var (status, problem) = await running;
        await hold.RollbackAsync();

        status.ShouldBe(HttpStatusCode.ServiceUnavailable, problem.ToString());
        (await E2E.StreamAsync(id)).Select(e => e.EventTypeName).ShouldBe(["payment_requested", "payment_pending"]);
        (await E2E.Service.GetStringAsync($"/reconciliation/{Day(Today)}").ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "none"))
            .ShouldBe(before, "the day's document is the one before the failed run");
        var (_, after) = await RunAsync(Today);
        Entries(after, "missingOnOurSide", (await E2E.GetPaymentAsync(id)).GetProperty("checkoutPaymentId").GetString()!).Count.ShouldBe(1);
        (await E2E.StreamAsync(id)).Select(e => e.EventTypeName).ShouldBe(["payment_requested", "payment_pending", "payment_captured"]);
    }

    /// <summary>The service's connections waiting on <paramref name="holder"/>'s lock (terminated, when asked: a failover's cut).</summary>
    private async Task<long> BlockedAsync(NpgsqlConnection holder, bool terminate)
    {
        await using var admin = new NpgsqlConnection(stack.Database.ConnectionString);
        await admin.OpenAsync();
        await using var count = new NpgsqlCommand(terminate
            ? "select count(pg_terminate_backend(pid)) from pg_stat_activity where @holder = any(pg_blocking_pids(pid))"
            : "select count(*) from pg_stat_activity where @holder = any(pg_blocking_pids(pid))", admin);
        count.Parameters.AddWithValue("holder", holder.ProcessID);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>A payment captured at the sandbox whose webhooks were all lost: the service still holds it Pending.</summary>
    private async Task<Guid> DroppedAsync(long amount)
    {
        await E2E.SetSandboxFaultsAsync(new { drop_webhooks = true });
        var (id, redirect) = await E2E.CreatePaymentAsync(amount);
        await E2E.PayOnKnetPageAsync(redirect);
        await E2E.SetSandboxFaultsAsync(new { });
        return id;
    }

    [Fact]
    public async Task a_capture_of_a_payment_we_never_requested_is_only_reported()
    {
        await E2E.SetSandboxFaultsAsync(new { settle_unknown_capture = true });
        var (_, checkoutId) = await CapturedAsync(1200);
        await E2E.SetSandboxFaultsAsync(new { });

        var (_, day) = await RunAsync(Today);

        Entries(day, "matched", checkoutId).Count.ShouldBe(1);
        var unknown = day["missingOnOurSide"]!.AsArray().Select(e => e!.AsObject())
            .Where(e => e["paymentId"] is null && e["note"]!.GetValue<string>().EndsWith("reported only", StringComparison.Ordinal)).ToList();
        var stranger = unknown.ShouldHaveSingleItem();
        stranger["reportedAmount"]!.GetValue<long>().ShouldBe(1200);
        await using var session = E2E.Store.QuerySession();
        (await session.Query<Payment>().Where(p => p.CheckoutPaymentId == stranger["checkoutPaymentId"]!.GetValue<string>()).CountAsync()).ShouldBe(0);
        (await GetAsync("/operations/attention"))["reconciliationDiscrepancies"]!.AsArray()
            .Count(d => d!["checkoutPaymentId"]?.GetValue<string>() == stranger["checkoutPaymentId"]!.GetValue<string>()).ShouldBe(1);
    }

    [Fact]
    public async Task a_refund_settled_for_another_amount_is_an_amount_mismatch()
    {
        var (id, checkoutId) = await CapturedAsync(1500);
        await E2E.SetSandboxFaultsAsync(new { refund_amount_difference = 10 });
        await RefundAsync(id, 700);
        await E2E.SetSandboxFaultsAsync(new { });

        var (_, day) = await RunAsync(Today);

        var mismatch = Entries(day, "amountMismatches", checkoutId).ShouldHaveSingleItem();
        (mismatch["kind"]!.GetValue<string>(), mismatch["reportedAmount"]!.GetValue<long>(), mismatch["ourAmount"]!.GetValue<long>())
            .ShouldBe(("refund", 710L, 700L));
        Entries(day, "matched", checkoutId).Select(e => e["kind"]!.GetValue<string>()).ShouldBe(["capture"]);
        Discrepancies(await GetAsync("/operations/attention"), checkoutId).ShouldBe(["amount_mismatch"]);
    }

    [Fact]
    public async Task a_fee_line_is_reported_beside_its_matched_capture()
    {
        await E2E.SetSandboxFaultsAsync(new { fee_per_capture = 250 });
        var (_, checkoutId) = await CapturedAsync(1000);
        await E2E.SetSandboxFaultsAsync(new { });

        var (_, day) = await RunAsync(Today);

        var fee = day["fees"]!.AsArray().Select(f => f!.AsObject()).Where(f => f["checkoutPaymentId"]!.GetValue<string>() == checkoutId).ShouldHaveSingleItem();
        (fee["type"]!.GetValue<string>(), fee["amount"]!.GetValue<long>()).ShouldBe(("Processing Fee", -250L));
        Entries(day, "matched", checkoutId).Count.ShouldBe(1);
        Discrepancies(await GetAsync("/operations/attention"), checkoutId).ShouldBe(["fee"]);
    }

    [Fact]
    public async Task a_payment_settled_on_another_day_is_missing_from_its_day_and_reported_on_the_day_it_settled()
    {
        await E2E.SetSandboxFaultsAsync(new { settlement_day_shift = 1 });
        var (id, checkoutId) = await CapturedAsync(1800);
        await E2E.SetSandboxFaultsAsync(new { });

        var (_, today) = await RunAsync(Today);
        var (_, tomorrow) = await RunAsync(Today.AddDays(1));

        var missing = Entries(today, "missingOnTheirs", checkoutId).ShouldHaveSingleItem();
        (missing["kind"]!.GetValue<string>(), missing["paymentId"]!.GetValue<Guid>(), missing["ourAmount"]!.GetValue<long>()).ShouldBe(("capture", id, 1800L));
        missing["note"]!.GetValue<string>().ShouldEndWith(
            $"not in the report of {Day(Today)}; Checkout.com lists it among its financial actions (settled on another day?)");
        var late = Entries(tomorrow, "settledOnAnotherDay", checkoutId).ShouldHaveSingleItem();
        late["note"]!.GetValue<string>().ShouldBe($"processed on {Day(Today)}, settled on {Day(Today.AddDays(1))}");
        Discrepancies(await GetAsync("/operations/attention"), checkoutId).Order().ShouldBe(["missing_on_theirs", "settled_on_another_day"]);
    }

    [Fact]
    public async Task the_command_prints_the_day_and_exits_0_when_clean_and_1_with_discrepancies()
    {
        await E2E.SetSandboxFaultsAsync(new { fee_per_capture = 100 });
        var (_, checkoutId) = await CapturedAsync(1000);
        await E2E.SetSandboxFaultsAsync(new { });
        var settings = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Payments"] = stack.Database.ConnectionString,
            ["EventStore__Schema"] = SettlementStackFixture.Schema,
            ["Checkout__BaseUrl"] = E2E.SandboxUrl,
            ["Checkout__SecretKey"] = Wired.SecretKey,
            ["Checkout__WebhookSignatureKey"] = Wired.SignatureKey,
        };

        var json = await HostProcess.RunAsync(["reconcile", "--date", Day(Today), "--json"], settings);
        var clean = await HostProcess.RunAsync(["reconcile", "--date", Day(Today.AddDays(-30))], settings);

        json.ExitCode.ShouldBe(1, string.Join('\n', json.Errors));
        var document = JsonNode.Parse(string.Join('\n', json.Output))!.AsObject();
        document["id"]!.GetValue<string>().ShouldBe(Day(Today));
        document["cause"]!.GetValue<string>().ShouldStartWith($"command:reconcile --date {Day(Today)} by ");
        document["fees"]!.AsArray().Count(f => f!["checkoutPaymentId"]!.GetValue<string>() == checkoutId).ShouldBe(1);
        clean.ExitCode.ShouldBe(0, string.Join('\n', clean.Errors));
        clean.Output.ShouldHaveSingleItem().ShouldMatch(
            $"^Reconciliation {Day(Today.AddDays(-30))}: report rpt_[a-z2-7]{{26}}, 0 lines, 0 matched, 0 discrepancies\\.$");
    }

    [Fact]
    public async Task three_nodes_starting_at_once_schedule_the_daily_job_once()
    {
        var day = DailyReconciliation.NextDay(DateTimeOffset.UtcNow, TimeSpan.FromHours(4));
        // The stack's own start scheduled the day: forget it, then let three starts race for it.
        await using (var session = E2E.Store.LightweightSession())
        {
            session.Delete<ReconciliationSchedule>(DailyReconciliation.ScheduleId(day));
            session.QueueSqlCommand($"delete from {SettlementStackFixture.Schema}.wolverine_incoming_envelopes where message_type like '%RunDailyReconciliation%'");
            await session.SaveChangesAsync();
        }

        var started = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => DailyReconciliation.EnsureScheduledAsync(E2E.Services, CancellationToken.None)));

        started.Count(s => s).ShouldBe(1);
        await using var read = E2E.Store.QuerySession();
        var guard = (await read.LoadAsync<ReconciliationSchedule>(DailyReconciliation.ScheduleId(day))).ShouldNotBeNull();
        guard.DueAt.ShouldBe(DailyReconciliation.DueAt(day, TimeSpan.FromHours(4)));
        var scheduled = await read.QueryAsync<DateTimeOffset>(
            $"select execution_time from {SettlementStackFixture.Schema}.wolverine_incoming_envelopes where message_type like '%RunDailyReconciliation%' and status = 'Scheduled'");
        scheduled.ShouldBe([guard.DueAt]);
    }

    [Fact]
    public async Task the_daily_job_reconciles_its_day_and_asks_again_later_while_checkout_is_down()
    {
        // Yesterday's job schedules today's, due tomorrow: no run is due at once beside this test.
        await using var scope = E2E.Services.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<Wolverine.IMessageBus>();
        var down = Today.AddDays(-10);
        var retriesBefore = await RetriesAsync();

        await bus.InvokeAsync(new RunDailyReconciliation(Today.AddDays(-1)));
        await E2E.SetSandboxFaultsAsync(new { reject_next_requests = 10 });
        await bus.InvokeAsync(new RunDailyReconciliation(down, Attempt: 1));
        await E2E.SetSandboxFaultsAsync(new { });

        var done = await GetAsync($"/reconciliation/{Day(Today.AddDays(-1))}");
        done["cause"]!.GetValue<string>().ShouldBe("scheduled:RunDailyReconciliation#0");
        done["error"].ShouldBeNull();
        await using var read = E2E.Store.QuerySession();
        (await read.LoadAsync<ReconciliationSchedule>(DailyReconciliation.ScheduleId(Today)))!.DueAt
            .ShouldBe(DailyReconciliation.DueAt(Today, TimeSpan.FromHours(4)));
        var failed = await GetAsync($"/reconciliation/{Day(down)}");
        failed["error"]!.GetValue<string>().ShouldBe("Checkout.com's reports could not be listed: Checkout.com answered 503");
        failed["cause"]!.GetValue<string>().ShouldBe("scheduled:RunDailyReconciliation#1");
        (await RetriesAsync()).ShouldBe(retriesBefore + 1, "attempt 2 waits Reconciliation:RetryAfter (15 min)");
    }

    /// <summary>Stored RunDailyReconciliation messages due 14 to 16 minutes from now.</summary>
    private async Task<long> RetriesAsync()
    {
        await using var read = E2E.Store.QuerySession();
        var now = DateTimeOffset.UtcNow;
        return (await read.QueryAsync<long>(
            $"select count(*) from {SettlementStackFixture.Schema}.wolverine_incoming_envelopes where message_type like '%RunDailyReconciliation%' "
            + "and status = 'Scheduled' and execution_time between ? and ?", now.AddMinutes(14), now.AddMinutes(16))).Single();
    }

    private async Task<(Guid Id, string CheckoutId)> CapturedAsync(long amount)
    {
        var (id, redirect) = await E2E.CreatePaymentAsync(amount);
        await E2E.PayOnKnetPageAsync(redirect);
        var captured = await Eventually.Until(() => E2E.GetPaymentAsync(id),
            p => p.GetProperty("status").GetString() == "Captured" && p.GetProperty("knet").ValueKind == JsonValueKind.Object);
        return (id, captured.GetProperty("checkoutPaymentId").GetString()!);
    }

    private async Task RefundAsync(Guid id, long amount)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/payments/{id}/refunds") { Content = JsonContent.Create(new { amount }) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await E2E.Service.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Eventually.Until(() => E2E.GetPaymentAsync(id),
            p => p.GetProperty("refunds").EnumerateArray().All(r => r.GetProperty("status").GetString() == "Succeeded"));
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> RunAsync(DateOnly day)
    {
        using var response = await E2E.Service.PostAsync($"/reconciliation/{Day(day)}/run", null);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    private async Task<JsonObject> GetAsync(string path) => JsonNode.Parse(await E2E.Service.GetStringAsync(path))!.AsObject();

    private static List<JsonObject> Entries(JsonObject day, string list, string checkoutId) =>
        [.. day[list]!.AsArray().Select(e => e!.AsObject()).Where(e => e["checkoutPaymentId"]!.GetValue<string>() == checkoutId)];

    private static List<string> Discrepancies(JsonObject attention, string checkoutId) =>
        [.. attention["reconciliationDiscrepancies"]!.AsArray().Where(d => d!["checkoutPaymentId"]?.GetValue<string>() == checkoutId)
            .Select(d => d!["kind"]!.GetValue<string>())];

    /// <summary>The document without when and by whom it ran.</summary>
    private static JsonObject Comparable(JsonObject day)
    {
        var copy = day.DeepClone().AsObject();
        copy.Remove("ranAt");
        copy.Remove("cause");
        return copy;
    }
}
