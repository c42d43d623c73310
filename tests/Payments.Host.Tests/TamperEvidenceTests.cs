using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using JasperFx;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Payments.Domain;
using Payments.Host.EventStore;
using Payments.Host.Payments;
using Payments.Host.TamperEvidence;
using Payments.Host.Tests.Fixtures;
using Payments.Testing;
using Shouldly;
using Wolverine.Runtime;
using Wolverine.Tracking;
using Wolverine.Util;

namespace Payments.Host.Tests;

/// <summary>The canonical form an auditor recomputes (docs/architecture.md, "Tamper-evident log"), without a database.</summary>
public class when_an_event_is_hashed
{
    [Fact]
    public void canonical_json_is_the_same_for_the_serializers_text_and_for_the_text_postgresql_gives_back()
    {
        const string canonical = """{"a":[true,null,"x\"\n\u0001é/"],"b":1500,"c":1.5,"d":-7,"e":0.1}""";
        CanonicalJson.Of("""{ "e": 0.1, "d": -7, "c": 1.50, "b": 1.5e3, "a": [true, null, "x\"\n\u0001\u00e9\/"] }""").ShouldBe(canonical);
        // jsonb's own output: keys by length, then bytes; a space after each separator.
        CanonicalJson.Of("""{"a": [true, null, "x\"\n\u0001é/"], "b": 1500, "c": 1.50, "d": -7, "e": 0.1}""").ShouldBe(canonical);
    }

    [Fact]
    public void the_hash_is_sha256_of_the_documented_array()
    {
        var e = new ChainedEvent(
            Guid.Parse("0193b3a0-0000-7000-8000-000000000001"), 2, Guid.Parse("0193b3a0-0000-7000-8000-0000000000e2"), "payment_pending",
            new DateTimeOffset(2026, 12, 1, 23, 59, 59, TimeSpan.Zero).AddTicks(1234567), null, "corr-1",
            """{"cause":"http:test"}""", """{"paymentId":"0193b3a0-0000-7000-8000-000000000001"}""");
        var prev = new string('a', 64);
        const string documented = """["knet-payments/event/1","0193b3a0-0000-7000-8000-000000000001",2,"0193b3a0-0000-7000-8000-0000000000e2","payment_pending","2026-12-01T23:59:59.123456Z",null,"corr-1",{"cause":"http:test"},{"paymentId":"0193b3a0-0000-7000-8000-000000000001"},"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"]""";

        EventHash.Compute(e, prev).ShouldBe(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(documented))));
        EventHash.Genesis.ShouldBe(new string('0', 64));
    }
}

/// <summary>What the chain tests share: streams written as the service writes them, and the rows read raw.</summary>
public abstract class ChainTest(AppFixture app) : HostTest(app)
{
    protected const string Checkout = "pay_4gubyq2w335upc54dx7a4257lq";
    protected static readonly DateTimeOffset T = ManualClock.Start;

    protected static IPaymentEvent Requested(Guid id) => new PaymentRequested(id, new KnetPaymentRequest { Amount = 1000, Language = "en" }, T);
    protected static IPaymentEvent Pending(Guid id) => new PaymentPending(id, Checkout, "https://knet.example/pay", T);
    protected static IPaymentEvent Captured(Guid id) => new PaymentCaptured(id, Checkout, "act_c", 1000, "10000", T);
    protected static IPaymentEvent Expired(Guid id) => new PaymentExpired(id, Checkout, "act_e", T);

    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    protected async Task<Guid> Seed(params Func<Guid, IPaymentEvent>[] events)
    {
        var id = Guid.CreateVersion7();
        await using var session = App.Store.LightweightSession();
        session.SetHeader(Causes.Header, "http:test");
        session.Events.StartStream<Payment>(id, [.. events.Select(e => (object)e(id))]);
        await session.SaveChangesAsync(Cancel);
        return id;
    }

    protected async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = (NpgsqlConnection)App.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync(Cancel);
        return connection;
    }

    protected async Task<int> Sql(string sql)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync(Cancel);
    }

    /// <summary>(version, prev, hash) of each event of the stream, as stored.</summary>
    protected async Task<IReadOnlyList<(long Version, string Prev, string Hash)>> Links(Guid stream)
    {
        await using var session = App.Store.QuerySession();
        var rows = await session.AdvancedSql.QueryAsync<string>(
            "select version || ' ' || (headers ->> 'prev') || ' ' || (headers ->> 'hash') from payments.mt_events where stream_id = ? order by version",
            Cancel, stream);
        return [.. rows.Select(r => r.Split(' ')).Select(r => (long.Parse(r[0], CultureInfo.InvariantCulture), r[1], r[2]))];
    }

    protected static void ShouldBeOneChain(IReadOnlyList<(long Version, string Prev, string Hash)> links, int count)
    {
        links.Select(l => l.Version).ShouldBe(Enumerable.Range(1, count).Select(v => (long)v));
        links.Select(l => l.Prev).ShouldBe([EventHash.Genesis, .. links.Take(count - 1).Select(l => l.Hash)]);
        links.Select(l => l.Hash).Distinct().Count().ShouldBe(count);
    }

    /// <summary>
    /// Backends of this database waiting for a lock, directly on the given backend or behind another waiter (a second
    /// writer queues behind the first on the payment document's row).
    /// </summary>
    protected async Task<IReadOnlyList<int>> BlockedBy(int pid)
    {
        await using var session = App.Store.QuerySession();
        return await session.AdvancedSql.QueryAsync<int>(
            """
            with recursive waiting(pid) as (
                select pid from pg_stat_activity where ? = any(pg_blocking_pids(pid))
                union
                select a.pid from pg_stat_activity a join waiting w on w.pid = any(pg_blocking_pids(a.pid)))
            select pid from waiting
            """, Cancel, pid);
    }

    /// <summary>A transaction of another connection holding the stream's row, as a writer between its read and its commit does.</summary>
    protected async Task<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)> LockStream(Guid stream)
    {
        var connection = await OpenAsync();
        var transaction = await connection.BeginTransactionAsync(Cancel);
        await using var command = new NpgsqlCommand($"select version from payments.mt_streams where id = '{stream}' for update", connection, transaction);
        await command.ExecuteScalarAsync(Cancel);
        return (connection, transaction);
    }

    protected static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>Noon two days on: today and tomorrow are finished and past the seal delay.</summary>
    protected static DateTimeOffset TwoDaysOn => new DateTimeOffset(Today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero).AddDays(2).AddHours(12);

    protected static string Day(DateOnly day) => DailyRoot.IdOf(day);
}

/// <summary>Every append chains its events, whatever path writes them and whoever races it.</summary>
public class when_events_are_appended(AppFixture app) : ChainTest(app)
{
    [Fact]
    public async Task each_event_carries_the_hash_of_the_one_before_in_every_way_the_service_appends()
    {
        var id = await Seed(Requested, Pending);
        await using (var session = App.Store.LightweightSession())
        {
            (await session.Events.FetchForWriting<Payment>(id, Cancel)).AppendOne(Captured(id));
            await session.SaveChangesAsync(Cancel);
        }

        await using (var session = App.Store.LightweightSession())
        {
            (await session.Events.FetchForExclusiveWriting<Payment>(id, Cancel)).AppendOne(
                new PaymentFlaggedForReview(id, "a test fact", PaymentStatus.Captured, "a test's reason", T));
            await session.SaveChangesAsync(Cancel);
        }

        await using (var session = App.Store.LightweightSession())
        {
            session.Events.Append(id, new ReviewCleared(id, 1, T));
            await session.SaveChangesAsync(Cancel);
        }

        // Through Wolverine's handlers, as requests and webhooks are applied.
        var handled = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(handled, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(handled, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));

        ShouldBeOneChain(await Links(id), 5);
        ShouldBeOneChain(await Links(handled), 2);
        (await ChainAudit.RunAsync(App.Store, Cancel)).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task two_appends_racing_for_one_stream_leave_one_chain(bool fetchForWriting)
    {
        var id = await Seed(Requested, Pending);
        var (holder, transaction) = await LockStream(id);
        await using var _ = holder;
        async Task<string> Append(IPaymentEvent e)
        {
            await using var session = App.Store.LightweightSession();
            session.SetHeader(Causes.Header, "http:test");
            if (fetchForWriting)
            {
                (await session.Events.FetchForWriting<Payment>(id, Cancel)).AppendOne(e);
            }
            else
            {
                // A plain append, whose version PostgreSQL would assign: the chain pins it to the head it hashed from.
                session.Events.Append(id, e);
            }

            try
            {
                await session.SaveChangesAsync(Cancel);
                return "appended";
            }
            catch (ConcurrencyException)
            {
                return "conflict";
            }
        }

        var first = Task.Run(() => Append(Captured(id)), Cancel);
        var second = Task.Run(() => Append(Expired(id)), Cancel);
        // Both have read the head and hashed from it, and wait for the stream's row.
        await Eventually.Until(() => BlockedBy(holder.ProcessID), pids => pids.Count == 2);
        await transaction.CommitAsync(Cancel);

        (await Task.WhenAll(first, second)).Order().ShouldBe(["appended", "conflict"]);
        ShouldBeOneChain(await Links(id), 3);
        (await ChainAudit.RunAsync(App.Store, Cancel)).ShouldBeEmpty();
    }

    [Fact]
    public async Task an_append_whose_connection_postgresql_terminates_leaves_the_chain_whole()
    {
        var id = await Seed(Requested, Pending);
        var (holder, transaction) = await LockStream(id);
        await using var _ = holder;
        var append = Task.Run(async () =>
        {
            await using var session = App.Store.LightweightSession();
            session.SetHeader(Causes.Header, "http:test");
            (await session.Events.FetchForWriting<Payment>(id, Cancel)).AppendOne(Captured(id));
            await session.SaveChangesAsync(Cancel);
        }, Cancel);
        var blocked = await Eventually.Until(() => BlockedBy(holder.ProcessID), pids => pids.Count == 1);
        await using (var kill = new NpgsqlCommand($"select pg_terminate_backend({blocked[0]})", holder, transaction))
        {
            (await kill.ExecuteScalarAsync(Cancel)).ShouldBe(true);
        }

        await transaction.RollbackAsync(Cancel);
        var failed = await Record.ExceptionAsync(() => append);
        if (failed is not null)
        {
            // What a handler's retry does: decide again on the committed head.
            await using var session = App.Store.LightweightSession();
            session.SetHeader(Causes.Header, "http:test");
            (await session.Events.FetchForWriting<Payment>(id, Cancel)).AppendOne(Captured(id));
            await session.SaveChangesAsync(Cancel);
        }

        ShouldBeOneChain(await Links(id), 3);
        (await ChainAudit.RunAsync(App.Store, Cancel)).ShouldBeEmpty();
    }
}

/// <summary>Rows changed or removed behind the service's back: the audit names the first broken link of each.</summary>
public class when_the_stored_log_is_tampered_with(AppFixture app) : ChainTest(app)
{
    [Fact]
    public async Task an_edited_event_and_a_deleted_event_are_each_named()
    {
        var edited = await Seed(Requested, Pending, Captured);
        var deleted = await Seed(Requested, Pending, Expired);
        await Seed(Requested, Pending, Captured);
        var stored = (await Links(edited))[2].Hash;

        (await Sql($"update payments.mt_events set data = jsonb_set(data, '{{Amount}}', '999999') where stream_id = '{edited}' and version = 3 and data ->> 'Amount' = '1000'")).ShouldBe(1);
        (await Sql($"delete from payments.mt_events where stream_id = '{deleted}' and version = 2")).ShouldBe(1);

        var findings = await ChainAudit.RunAsync(App.Store, Cancel);
        findings.Select(f => (f.Kind, f.StreamId, f.Day, f.Version, f.Detail, f.Found)).ShouldBe([
            (ChainFindingKind.BrokenChain, edited, null, 3L, "event v3 was changed after it was appended: its content does not give its hash", stored),
            (ChainFindingKind.BrokenChain, deleted, null, 2L, "event v2 is missing: v1 is followed by v3", "version 3"),
        ], ignoreOrder: true);
        findings.Single(f => f.StreamId == deleted).Expected.ShouldBe("version 2");
        var recomputed = findings.Single(f => f.StreamId == edited).Expected;
        recomputed.ShouldMatch("^[0-9a-f]{64}$");
        recomputed.ShouldNotBe(stored);
    }

    [Fact]
    public async Task a_days_root_is_what_the_documented_lines_give_and_an_edited_root_is_named()
    {
        var id = await Seed(Requested, Pending, Captured);
        await using (var session = App.Store.LightweightSession())
        {
            var sealedRoots = await DailyRootSeal.SealAsync(session, TwoDaysOn, Cancel);
            await session.SaveChangesAsync(Cancel);
            sealedRoots.Select(r => (r.Id, r.Events)).ShouldBe([(Day(Today), 3L), (Day(Today.AddDays(1)), 0L)]);
        }

        // What an auditor does with psql and sha256sum.
        var links = await Links(id);
        await using (var session = App.Store.QuerySession())
        {
            var lines = await session.AdvancedSql.QueryAsync<string>(
                "select seq_id || ' ' || stream_id || ' ' || version || ' ' || (headers ->> 'hash') from payments.mt_events order by seq_id", Cancel);
            var text = $"knet-payments/day/1 {Day(Today)} {EventHash.Genesis}\n" + string.Concat(lines.Select(l => l + "\n"));
            var roots = await session.Query<DailyRoot>().OrderBy(r => r.Id).ToListAsync(Cancel);
            roots[0].Root.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))));
            roots[1].Previous.ShouldBe(roots[0].Root);
            lines.Count.ShouldBe(links.Count);
        }

        (await ChainAudit.RunAsync(App.Store, Cancel)).ShouldBeEmpty();
        await using (var session = App.Store.LightweightSession())
        {
            (await DailyRootSeal.SealAsync(session, TwoDaysOn, Cancel)).ShouldBeEmpty("sealed days are never sealed again");
        }

        var forged = new string('f', 64);
        var tomorrow = Day(Today.AddDays(1));
        string genuine;
        await using (var session = App.Store.QuerySession())
        {
            genuine = (await session.LoadAsync<DailyRoot>(tomorrow, Cancel))!.Root;
        }

        (await Sql($"update payments.mt_doc_dailyroot set data = jsonb_set(data, '{{Root}}', '\"{forged}\"') where id = '{tomorrow}' and data ->> 'Root' = '{genuine}'")).ShouldBe(1);

        (await ChainAudit.RunAsync(App.Store, Cancel)).ShouldBe([
            new ChainFinding(ChainFindingKind.BrokenRoot, null, tomorrow, null, $"the root of {tomorrow} does not match its events", genuine, forged),
        ]);
    }

    [Fact]
    public async Task a_streams_last_event_removed_is_named_by_its_stream_row_and_by_its_days_root()
    {
        var id = await Seed(Requested, Pending, Captured);
        string root;
        await using (var session = App.Store.LightweightSession())
        {
            root = (await DailyRootSeal.SealAsync(session, TwoDaysOn, Cancel))[0].Root;
            await session.SaveChangesAsync(Cancel);
        }

        (await Sql($"delete from payments.mt_events where stream_id = '{id}' and version = 3")).ShouldBe(1);

        var findings = await ChainAudit.RunAsync(App.Store, Cancel);
        findings.Select(f => (f.Kind, f.StreamId, f.Day, f.Version, f.Detail, f.Expected, f.Found == root ? "the sealed root" : f.Found)).ShouldBe([
            (ChainFindingKind.BrokenChain, (Guid?)id, (string?)null, (long?)3L, "event v3 is missing: the stream's last event is v2, its stream row says v3", "version 3", "version 2"),
            (ChainFindingKind.BrokenRoot, null, Day(Today), null, $"the root of {Day(Today)} does not match its events", findings[1].Expected, "the sealed root"),
        ]);
        findings[1].Expected.ShouldNotBe(root);
    }
}

/// <summary>The daily job: one run waiting however many nodes start, and each run seals every finished day.</summary>
public class when_the_days_are_sealed(AppFixture app) : ChainTest(app)
{
    private async Task<long> Waiting()
    {
        await using var session = App.Store.QuerySession();
        var runtime = App.Host.Services.GetRequiredService<IWolverineRuntime>();
        return (await session.AdvancedSql.QueryAsync<long>(
            $"select count(*) from {FollowUps.PendingChecks.IncomingTable(runtime)} where message_type = ? and status in ('Scheduled', 'Incoming')",
            Cancel, typeof(SealDailyRoots).ToMessageTypeName())).Single();
    }

    private async Task ForgetRuns()
    {
        var runtime = App.Host.Services.GetRequiredService<IWolverineRuntime>();
        await Sql($"delete from {FollowUps.PendingChecks.IncomingTable(runtime)} where message_type = '{typeof(SealDailyRoots).ToMessageTypeName()}'");
    }

    [Fact]
    public async Task three_nodes_starting_at_once_leave_one_run_which_seals_every_finished_day_and_waits_for_the_next()
    {
        await ForgetRuns();
        try
        {
            await Seed(Requested, Pending, Captured);
            App.Clock.Advance(TwoDaysOn - ManualClock.Start);
            var schedule = ActivatorUtilities.CreateInstance<DailyRootSchedule>(App.Host.Services);

            var scheduled = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => schedule.EnsureScheduledAsync(Cancel), Cancel)));

            scheduled.Count(s => s).ShouldBe(1);
            var roots = await Eventually.Until(async () =>
            {
                await using var session = App.Store.QuerySession();
                return await session.Query<DailyRoot>().OrderBy(r => r.Id).ToListAsync(Cancel);
            }, r => r.Count == 2);
            roots.Select(r => (r.Id, r.Events, r.SealedAt)).ShouldBe([(Day(Today), 3L, TwoDaysOn), (Day(Today.AddDays(1)), 0L, TwoDaysOn)]);
            // The run that sealed them left the next one waiting, and a node starting now adds none.
            await Eventually.Until(Waiting, n => n == 1);
            (await schedule.EnsureScheduledAsync(Cancel)).ShouldBeFalse();
            (await Waiting()).ShouldBe(1);
            (await ChainAudit.RunAsync(App.Store, Cancel)).ShouldBeEmpty();
        }
        finally
        {
            await ForgetRuns();
        }
    }

    [Fact]
    public async Task days_no_run_sealed_are_sealed_by_the_next_each_on_the_one_before()
    {
        await Seed(Requested, Pending, Captured);
        // Nothing ran for three days after the events (a crash between the append and the day's root).
        var late = TwoDaysOn.AddDays(2);
        IReadOnlyList<DailyRoot> roots;
        await using (var session = App.Store.LightweightSession())
        {
            roots = await DailyRootSeal.SealAsync(session, late, Cancel);
            await session.SaveChangesAsync(Cancel);
        }

        roots.Select(r => (r.Id, r.Events)).ShouldBe(Enumerable.Range(0, 4).Select(d => (Day(Today.AddDays(d)), d == 0 ? 3L : 0L)));
        roots.Select(r => r.Previous).ShouldBe([EventHash.Genesis, .. roots.Take(3).Select(r => r.Root)]);
        (await ChainAudit.RunAsync(App.Store, Cancel)).ShouldBeEmpty();
    }
}

/// <summary>Rebuilds and time travel read the same events; the chain is in headers they do not touch.</summary>
public class when_projections_are_rebuilt_over_a_chained_log(AppFixture app) : ChainTest(app)
{
    [Fact]
    public async Task the_rebuild_and_time_travel_work_and_the_audit_stays_clean()
    {
        var id = await Seed(Requested, Pending);
        await using (var session = App.Store.LightweightSession())
        {
            session.SetHeader(Causes.Header, "http:test");
            (await session.Events.FetchForWriting<Payment>(id, Cancel)).AppendOne(Captured(id));
            await session.SaveChangesAsync(Cancel);
        }

        var links = await Links(id);
        DateTimeOffset pendingAt;
        await using (var session = App.Store.QuerySession())
        {
            pendingAt = (await session.Events.FetchStreamAsync(id, token: Cancel))[1].Timestamp;
        }

        using (var daemon = await App.Store.BuildProjectionDaemonAsync())
        {
            await daemon.RebuildProjectionAsync<PaymentProjection>(Cancel);
        }

        await using (var session = App.Store.QuerySession())
        {
            (await session.LoadAsync<Payment>(id, Cancel))!.Status.ShouldBe(PaymentStatus.Captured);
            (await session.Events.AggregateStreamAsync<Payment>(id, version: 2, token: Cancel))!.Status.ShouldBe(PaymentStatus.Pending);
            (await session.Events.AggregateStreamAsync<Payment>(id, timestamp: pendingAt, token: Cancel))!.Status.ShouldBe(PaymentStatus.Pending);
        }

        (await Links(id)).ShouldBe(links);
        (await ChainAudit.RunAsync(App.Store, Cancel)).ShouldBeEmpty();
    }
}
