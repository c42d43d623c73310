using System.Text;
using System.Text.Json;
using Alba;
using Microsoft.AspNetCore.Http;
using Payments.Domain;
using Payments.Host.Configuration;
using Payments.Host.Payments;
using Payments.Host.Reconciliation;
using Payments.Host.Tests.Fixtures;
using Payments.Host.Tooling;
using Shouldly;
using Wolverine.Tracking;

namespace Payments.Host.Tests;

/// <summary>Checkout.com's report file is hostile input: every line is checked, a bad one is counted with its reason, never half read.</summary>
public class when_a_settlement_report_file_is_read
{
    private static readonly DateOnly Day = new(2026, 11, 24);
    private const string Pay = "pay_4gubyq2w335upc54dx7a4257lq";
    private const string Act = "act_y3oqhf46pyzuxjbcn2giaqnb44";
    private const string Act2 = "act_2vd5aqhsqffuvw5x5gl6abqmlu";

    // The columns by name, in another order than the sandbox writes them and with one more: only the names count.
    private const string Header = "Action ID,Payment ID,Extra,Action Type,Reference,Processed On,Settlement Date,Post Date,Breakdown Type,Holding Currency,Holding Currency Amount";

    private static (ParsedReport? Report, string? Error) Parse(params string[] lines) =>
        SettlementCsv.Parse(Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n"), Day);

    [Fact]
    public void good_lines_are_read_and_every_bad_line_is_rejected_with_its_reason()
    {
        var (report, error) = Parse(
            Header,
            $"{Act},{Pay},x,Capture,\"ORD, \"\"5023\"\"\",2026-11-24T10:00:00.123Z,2026-11-24,1124,Gross,KWD,1.500",
            $"{Act},{Pay},x,Capture,ORD,2026-11-24T10:00:00Z,2026-11-24,1124,Processing Fee,KWD,-0.250",
            $"{Act2},{Pay},x,Refund,,2026-11-24T11:00:00Z,2026-11-24,,Gross,KWD,-0.500",
            $"{Act2},pay_short,x,Refund,,2026-11-24T11:00:00Z,2026-11-24,,Gross,KWD,-0.500",
            $"{Act2},{Pay},x,Refund,a\u0000b,2026-11-24T11:00:00Z,2026-11-24,,Gross,KWD,-0.500",
            $"{Act2},{Pay},x,Refund,a\"b,2026-11-24T11:00:00Z,2026-11-24,,Gross,KWD,-0.500",
            $"{Act2},{Pay},x,Refund,,2026-11-24T11:00:00Z,2026-11-24,,Gross,KWD",
            $"{Act2},{Pay},x,Chargeback,,2026-11-24T11:00:00Z,2026-11-24,,Gross,KWD,-0.500",
            $"{Act2},{Pay},x,Refund,,2026-11-24T11:00:00Z,2026-11-24,,Gross,KWD,0.500",
            $"{Act2},{Pay},x,Refund,,2026-11-24T11:00:00Z,2026-11-24,,Gross,KWD,-0.5001",
            $"{Act2},{Pay},x,Refund,,2026-11-24T11:00:00Z,2026-11-25,,Gross,KWD,-0.500",
            $"{Act2},{Pay},x,Refund,,2026-11-24 11:00,2026-11-24,,Gross,KWD,-0.500",
            $"{Act2},{Pay},x,Refund,,2026-11-24T11:00:00Z,2026-11-24,1324,Gross,KWD,-0.500",
            $"{Act2},{Pay},x,Refund,,2026-11-24T11:00:00Z,2026-11-24,,Gross,USD,-0.500",
            $"{Act2},{Pay},x,Refund,,2026-11-24T11:00:00Z,2026-11-24,,Gross,KWD,-0.500",
            $"{Act2},{Pay},x,Refund,\"never closed,2026-11-24T11:00:00Z");

        error.ShouldBeNull();
        report.ShouldNotBeNull();
        report.Lines.ShouldBe([
            new SettledLine(Pay, Act, "Capture", 1500, new DateTimeOffset(2026, 11, 24, 10, 0, 0, 123, TimeSpan.Zero), Day, "1124", "ORD, \"5023\""),
            new SettledLine(Pay, Act2, "Refund", 500, new DateTimeOffset(2026, 11, 24, 11, 0, 0, TimeSpan.Zero), Day, null, null),
        ]);
        report.Fees.ShouldBe([new FeeLine(Pay, Act, "Processing Fee", -250)]);
        report.Rows.ShouldBe(16);
        report.Rejected.ShouldBe([
            new RejectedRow(5, "Payment ID 'pay_short' is not a Checkout.com payment id"),
            new RejectedRow(6, "a field holds a control character"),
            new RejectedRow(7, "a quote inside an unquoted field"),
            new RejectedRow(8, "10 fields, the header has 11"),
            new RejectedRow(9, "Action Type 'Chargeback' is not reconciled (Capture or Refund)"),
            new RejectedRow(10, "a Refund's Gross amount of 0.500 has the wrong sign"),
            new RejectedRow(11, "Holding Currency Amount '-0.5001' is not an amount of at most three decimals"),
            new RejectedRow(12, "Settlement Date 2026-11-25 is not the report's day"),
            new RejectedRow(13, "Processed On '2026-11-24 11:00' is not a UTC instant"),
            new RejectedRow(14, "Post Date '1324' is not KNET's MMDD"),
            new RejectedRow(15, "Holding Currency 'USD' is not KWD"),
            new RejectedRow(16, "the same action and breakdown type appear twice"),
            new RejectedRow(17, "a quoted field is never closed"),
        ]);
    }

    [Fact]
    public void a_file_that_is_not_utf8_or_lacks_a_column_is_refused_whole()
    {
        SettlementCsv.Parse([0x50, 0x61, 0xFF, 0xFE, 0x0A], Day).ShouldBe((null, "the report file is not UTF-8"));
        Parse("Payment ID,Action ID,Action Type").ShouldBe((null, "the header has no column 'Reference'"));
        Parse(Header + ",Extra").ShouldBe((null, "the header names column 'Extra' twice"));
        SettlementCsv.Parse([], Day).ShouldBe((null, "the report file has no header line"));
    }

    [Fact]
    public void a_byte_order_mark_and_lf_line_ends_are_read()
    {
        var text = Header + "\n" + $"{Act},{Pay},x,Capture,,2026-11-24T10:00:00Z,2026-11-24,,Gross,KWD,2\n";
        var (report, error) = SettlementCsv.Parse([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(text)], Day);

        error.ShouldBeNull();
        report!.Lines.Select(l => (l.ActionId, l.Amount)).ShouldBe([(Act, 2000L)]);
        report.Rejected.ShouldBeEmpty();
    }
}

/// <summary>
/// The API against a Checkout.com that answers what each test says (the host tests' stub): hostile files, no answer,
/// a capture that contradicts the payment, and who may call what.
/// </summary>
public class when_a_reconciliation_is_asked_for(AppFixture app) : HostTest(app)
{
    private const string Admin = "Bearer pk_dev_admin_c57a90d2";
    private const string BackOffice = "Bearer pk_dev_backoffice_8d41e6b0";
    private const string CheckoutOnly = "Bearer " + ConsoleClient.CheckoutOnlyKey;
    private const string Date = "2026-11-24";
    private const string ReportId = StubReports.ReportId;
    private const string Act = "act_y3oqhf46pyzuxjbcn2giaqnb44";

    private static readonly string Header = string.Join(',', SettlementCsv.RequiredColumns);

    private void ReportIs(byte[] csv) => StubReports.Serve(App.Checkout, csv);

    private async Task<(int Status, JsonElement Body)> SendAsync(string method, string url, string? key)
    {
        var result = await App.Host.Scenario(x =>
        {
            if (method == "POST")
            {
                x.Post.Url(url);
            }
            else
            {
                x.Get.Url(url);
            }

            if (key is not null)
            {
                x.WithRequestHeader("Authorization", key);
            }

            x.IgnoreStatusCode();
        });
        var text = await result.ReadAsTextAsync();
        return (result.Context.Response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task a_hostile_file_is_answered_with_its_rejected_lines_never_a_500()
    {
        ReportIs([.. Encoding.UTF8.GetBytes(Header + "\r\n" + new string(',', 5000) + "\r\n"), 0x00, 0x0A, .. "\"unclosed,"u8]);

        var (status, body) = await SendAsync("POST", $"/reconciliation/{Date}/run", Admin);

        status.ShouldBe(200, body.ToString());
        body.GetProperty("reportId").GetString().ShouldBe(ReportId);
        body.GetProperty("rows").GetInt32().ShouldBe(3);
        body.GetProperty("rejectedRows").EnumerateArray().Select(r => (r.GetProperty("line").GetInt32(), r.GetProperty("reason").GetString()))
            .ShouldBe([(2, "5001 fields, the header has 10"), (3, "a field holds a control character"), (4, "a quoted field is never closed")]);
        body.GetProperty("matched").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task a_file_that_is_not_a_report_is_recorded_as_unreadable()
    {
        ReportIs([0xFF, 0xFE, 0x00, 0x41]);

        var (status, body) = await SendAsync("POST", $"/reconciliation/{Date}/run", Admin);

        status.ShouldBe(200);
        body.GetProperty("error").GetString().ShouldBe("the report file is not UTF-8");
        var (_, attention) = await SendAsync("GET", "/operations/attention", BackOffice);
        attention.GetProperty("reconciliationDiscrepancies").EnumerateArray()
            .Select(d => (d.GetProperty("kind").GetString(), d.GetProperty("detail").GetString()))
            .ShouldBe([("report_unreadable", "the report file is not UTF-8")]);
    }

    [Fact]
    public async Task checkout_down_is_503_and_a_day_already_reconciled_keeps_its_document()
    {
        ReportIs(Encoding.UTF8.GetBytes(Header + "\r\n"));
        (await SendAsync("POST", $"/reconciliation/{Date}/run", Admin)).Status.ShouldBe(200);
        App.Checkout.Reset();

        var (status, problem) = await SendAsync("POST", $"/reconciliation/{Date}/run", Admin);
        var (_, kept) = await SendAsync("GET", $"/reconciliation/{Date}", BackOffice);
        var (neverStatus, _) = await SendAsync("POST", "/reconciliation/2026-11-20/run", Admin);
        var (_, never) = await SendAsync("GET", "/reconciliation/2026-11-20", BackOffice);

        status.ShouldBe(503);
        problem.GetProperty("code").GetString().ShouldBe("checkout_unavailable");
        kept.GetProperty("error").ValueKind.ShouldBe(JsonValueKind.Null);
        kept.GetProperty("reportId").GetString().ShouldBe(ReportId);
        neverStatus.ShouldBe(503);
        never.GetProperty("error").GetString().ShouldBe("Checkout.com's reports could not be listed: Checkout.com answered 503");
    }

    [Fact]
    public async Task a_reported_capture_that_contradicts_the_payment_is_flagged_once_however_often_the_day_runs()
    {
        var id = Guid.CreateVersion7();
        await App.Host.InvokeMessageAndWaitAsync(new RequestPayment(id, Given.Request()));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Accepted(Given.CheckoutId, Given.Redirect)));
        await App.Host.InvokeMessageAndWaitAsync(new ApplyPaymentFact(id, new PaymentFact.Expired(Given.CheckoutId, "act_e")));
        ReportIs(Encoding.UTF8.GetBytes(
            $"{Header}\r\n{Given.CheckoutId},{Act},Capture,ORD-5023-4E89,2026-11-24T10:00:00Z,2026-11-24,1124,Gross,KWD,1.000\r\n"));

        var (first, _) = await SendAsync("POST", $"/reconciliation/{Date}/run", Admin);
        var (second, body) = await SendAsync("POST", $"/reconciliation/{Date}/run", Admin);

        (first, second).ShouldBe((200, 200));
        var stream = await App.Store.Stream(id);
        stream.Select(e => e.EventTypeName).ShouldBe(["payment_requested", "payment_pending", "payment_expired", "payment_flagged_for_review"]);
        stream[^1].Headers!["cause"].ToString().ShouldBe($"reconciliation:{ReportId}");
        stream[^1].Data.ShouldBeOfType<PaymentFlaggedForReview>().Reason.ShouldBe("CaptureReported contradicts Expired");
        body.GetProperty("missingOnOurSide").EnumerateArray().Select(e => (e.GetProperty("paymentId").GetGuid(), e.GetProperty("actionId").GetString()))
            .ShouldBe([(id, Act)]);
    }

    [Fact]
    public async Task a_day_never_run_is_404_and_a_malformed_day_400()
    {
        var (missing, problem) = await SendAsync("GET", "/reconciliation/2026-11-01", BackOffice);
        var (malformed, bad) = await SendAsync("GET", "/reconciliation/2026-02-30", BackOffice);
        var (last, _) = await SendAsync("POST", "/reconciliation/9999-12-31/run", Admin);
        var (trailing, _) = await SendAsync("POST", "/reconciliation/2026-11-24x/run", Admin);

        (missing, problem.GetProperty("code").GetString()).ShouldBe((404, "reconciliation_not_found"));
        (malformed, bad.GetProperty("code").GetString()).ShouldBe((400, "reconciliation_date_invalid"));
        (last, trailing).ShouldBe((400, 400));
        App.Checkout.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task reading_needs_backoffice_read_and_running_needs_operations_admin()
    {
        (await SendAsync("GET", $"/reconciliation/{Date}", null)).Status.ShouldBe(401);
        (await SendAsync("GET", $"/reconciliation/{Date}", CheckoutOnly)).Status.ShouldBe(403);
        (await SendAsync("POST", $"/reconciliation/{Date}/run", null)).Status.ShouldBe(401);
        (await SendAsync("POST", $"/reconciliation/{Date}/run", BackOffice)).Status.ShouldBe(403);
        App.Checkout.Requests.ShouldBeEmpty();
    }
}

public class when_a_reconciliation_setting_is_invalid
{
    [Fact]
    public void each_is_named_with_what_would_happen()
    {
        StartWith.Failures(new()
            {
                ["Reconciliation:RunAt"] = "1.00:00:00",
                ["Reconciliation:RetryAfter"] = "00:00:00",
                ["Reconciliation:MaxAttempts"] = "0",
                ["Reconciliation:MaxFileBytes"] = "10",
            },
            (services, configuration) => services.AddValidatedOptions<ReconciliationOptions, ReconciliationOptionsValidation>(
                configuration, ReconciliationOptions.Section)).ShouldBe([
            "Reconciliation:RunAt is 1.00:00:00, not a time of day from 00:00:00 to 23:59:59: the daily reconciliation would have no time to run at (environment: Reconciliation__RunAt).",
            "Reconciliation:RetryAfter is 00:00:00, not a positive time: a day whose report could not be read would be asked for again at once, without end (environment: Reconciliation__RetryAfter).",
            "Reconciliation:MaxAttempts is 0, not at least 1: the daily job would never ask for the report (environment: Reconciliation__MaxAttempts).",
            "Reconciliation:MaxFileBytes is 10, less than 1024 bytes: no report file could be read (environment: Reconciliation__MaxFileBytes).",
        ]);
    }
}

/// <summary>The host tests' Checkout.com stub serving one FinancialActions report for 2026-11-24 with the given file.</summary>
internal static class StubReports
{
    public const string ReportId = "rpt_lmmldzousk7etoqijqundqexa4";
    public const string FileId = "file_7ysmgfkj4ipunduud22uf73iey";

    public static void Serve(FakeCheckout checkout, byte[] csv) => checkout.Answer(async context =>
    {
        context.Response.Headers["Cko-Request-Id"] = "0HL80RJLS76I7";
        if (context.Request.Path == "/reports")
        {
            await context.Response.WriteAsJsonAsync(new
            {
                count = 1, limit = 100,
                data = new[]
                {
                    new
                    {
                        id = ReportId, type = "FinancialActions", created_on = "2026-11-25T00:00:00Z", from = "2026-11-24T00:00:00Z",
                        to = "2026-11-25T00:00:00Z", files = new[] { new { id = FileId, filename = "financial-actions.csv", format = "CSV" } },
                    },
                },
            });
        }
        else if (context.Request.Path == $"/reports/{ReportId}/files/{FileId}")
        {
            context.Response.ContentType = "text/csv";
            await context.Response.Body.WriteAsync(csv);
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
        }
    });
}

/// <summary>The <c>reconcile</c> command refuses a day that is not one before it builds anything: exit code 2.</summary>
[Collection(SharedHost.Name)]
public class when_the_reconcile_command_gets_a_bad_date
{
    [Fact]
    public async Task it_says_so_on_standard_error_and_exits_2()
    {
        var errors = new StringWriter();
        var before = Console.Error;
        Console.SetError(errors);
        try
        {
            var ok = await new ReconcileCommand().Execute(new ReconcileInput { DateFlag = "2026-13-01" });

            ok.ShouldBeFalse();
            CommandLineOutput.ExitCode.ShouldBe(2);
            errors.ToString().ShouldBe("--date '2026-13-01' is not a day yyyy-MM-dd." + Environment.NewLine);
        }
        finally
        {
            Console.SetError(before);
            CommandLineOutput.ExitCode = null;
        }
    }
}
