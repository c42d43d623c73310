using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.Sandbox.Tests.Fixtures;
using Shouldly;

namespace Payments.Sandbox.Tests;

/// <summary>
/// The Reports and Financial actions APIs, served from what the sandbox itself captured and refunded: one
/// FinancialActions report per settlement day with a CSV file, and the financial actions of a payment or action, paged.
/// </summary>
public sealed class when_the_sandbox_reports_what_it_settled : IAsyncLifetime
{
    private SandboxServer _sandbox = null!;
    private string _id = "";
    private string _refund = "";

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Instant(DateOnly day) => $"{Day(day)}T00:00:00Z";

    public async ValueTask InitializeAsync()
    {
        // Refund processing (30 s) ÷ 600 = 50 ms.
        _sandbox = await SandboxServer.StartAsync(timeScale: 600);
        (_id, _) = await _sandbox.CreatePaymentAsync(1500, "ORD-1");
        await _sandbox.CompleteAsync(_id, "captured");
        using var refund = await _sandbox.Client.PostAsJsonAsync($"/payments/{_id}/refunds", new { amount = 400, reference = "part, \"one\"" });
        _refund = (await refund.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("action_id").GetString()!;
        await Eventually.Until(() => _sandbox.GetPaymentAsync(_id), p => p.GetProperty("status").GetString() == "Partially Refunded");
    }

    public async ValueTask DisposeAsync() => await _sandbox.DisposeAsync();

    private async Task<JsonElement> JsonAsync(string path)
    {
        using var response = await _sandbox.Client.GetAsync(path);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> TodaysReportAsync() =>
        (await JsonAsync($"/reports?created_after={Instant(Today.AddDays(1))}&created_before={Instant(Today.AddDays(2))}")).GetProperty("data")[0];

    private async Task<string> FileAsync(JsonElement report)
    {
        var file = report.GetProperty("files")[0];
        using var response = await _sandbox.Client.GetAsync(file.GetProperty("_links").GetProperty("self").GetProperty("href").GetString());
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        return await response.Content.ReadAsStringAsync();
    }

    [Fact]
    public async Task the_days_report_lists_its_file_and_the_file_holds_each_capture_and_refund()
    {
        var list = await JsonAsync($"/reports?created_after={Instant(Today.AddDays(1))}&created_before={Instant(Today.AddDays(2))}");
        var report = list.GetProperty("data")[0];
        var payment = await _sandbox.GetPaymentAsync(_id);
        var capture = (await JsonAsync($"/payments/{_id}/actions")).EnumerateArray().Single(a => a.GetProperty("type").GetString() == "Capture");

        (list.GetProperty("count").GetInt32(), list.GetProperty("limit").GetInt32()).ShouldBe((1, 100));
        list.GetProperty("_links").TryGetProperty("next", out _).ShouldBeFalse();
        report.GetProperty("id").GetString()!.ShouldMatch("^rpt_[a-z2-7]{26}$");
        report.GetProperty("type").GetString().ShouldBe("FinancialActions");
        report.GetProperty("from").GetString().ShouldBe(Instant(Today));
        report.GetProperty("to").GetString().ShouldBe(Instant(Today.AddDays(1)));
        report.GetProperty("created_on").GetString().ShouldBe(Instant(Today.AddDays(1)));
        var file = report.GetProperty("files")[0];
        file.GetProperty("id").GetString()!.ShouldMatch("^file_[a-z2-7]{26}$");
        file.GetProperty("format").GetString().ShouldBe("CSV");
        file.GetProperty("filename").GetString().ShouldBe($"financial-actions_ent_sandboxsandboxsandboxsandb_{Today:yyyyMMdd}_1.csv");
        (await JsonAsync($"/reports/{report.GetProperty("id").GetString()}")).GetRawText().ShouldBe(report.GetRawText());

        var postDate = payment.GetProperty("source").GetProperty("post_date").GetString();
        var processed = capture.GetProperty("processed_on").GetDateTimeOffset().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var lines = (await FileAsync(report)).Split("\r\n");
        lines[0].ShouldBe("Payment ID,Action ID,Action Type,Reference,Processing Channel ID,Requested On,Processed On,Settlement Date,Post Date,Breakdown Type,Holding Currency,Holding Currency Amount");
        lines[1].ShouldStartWith($"{_id},{capture.GetProperty("id").GetString()},Capture,ORD-1,{SandboxServer.Channel},");
        lines[1].ShouldEndWith($",{processed},{Day(Today)},{postDate},Gross,KWD,1.500");
        lines[2].ShouldStartWith($"{_id},{_refund},Refund,\"part, \"\"one\"\"\",{SandboxServer.Channel},");
        lines[2].ShouldEndWith($",{Day(Today)},{postDate},Gross,KWD,-0.400");
        lines[3..].ShouldBe([""]);
    }

    [Fact]
    public async Task reports_and_financial_actions_are_paged_by_their_next_link()
    {
        var pages = new List<JsonElement>();
        var next = $"/reports?created_after={Instant(Today.AddDays(-3))}&created_before={Instant(Today.AddDays(2))}&limit=2";
        while (next is not null)
        {
            var page = await JsonAsync(next);
            pages.Add(page);
            next = page.GetProperty("_links").TryGetProperty("next", out var link) ? link.GetProperty("href").GetString() : null;
        }

        pages.Select(p => p.GetProperty("count").GetInt32()).ShouldBe([2, 2, 1]);
        pages.SelectMany(p => p.GetProperty("data").EnumerateArray()).Select(r => r.GetProperty("from").GetString())
            .ShouldBe([.. Enumerable.Range(-4, 5).Select(d => Instant(Today.AddDays(d)))]);

        var first = await JsonAsync($"/financial-actions?payment_id={_id}&limit=1");
        var second = await JsonAsync(first.GetProperty("_links").GetProperty("next").GetProperty("href").GetString()!);
        var byAction = await JsonAsync($"/financial-actions?action_id={_refund}");

        first.GetProperty("data")[0].GetProperty("action_type").GetString().ShouldBe("Capture");
        first.GetProperty("data")[0].GetProperty("breakdown")[0].GetProperty("holding_currency_amount").GetDecimal().ShouldBe(1.5m);
        var refund = second.GetProperty("data")[0];
        (refund.GetProperty("payment_id").GetString(), refund.GetProperty("action_id").GetString(), refund.GetProperty("action_type").GetString())
            .ShouldBe((_id, _refund, "Refund"));
        refund.GetProperty("breakdown")[0].GetProperty("breakdown_type").GetString().ShouldBe("Gross");
        refund.GetProperty("breakdown")[0].GetProperty("holding_currency_amount").GetDecimal().ShouldBe(-0.4m);
        second.GetProperty("_links").TryGetProperty("next", out _).ShouldBeFalse();
        byAction.GetProperty("data").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task a_query_without_an_id_or_with_a_bad_limit_is_422_and_no_key_is_401()
    {
        using var noId = await _sandbox.Client.GetAsync("/financial-actions?limit=10");
        using var badLimit = await _sandbox.Client.GetAsync($"/reports?limit=0&pagination_token=nonsense");
        using var unknown = await _sandbox.Client.GetAsync("/reports/rpt_aaaaaaaaaaaaaaaaaaaaaaaaaa");
        using var anonymous = await _sandbox.Browser.GetAsync("/reports");
        using var anonymousActions = await _sandbox.Browser.GetAsync($"/financial-actions?payment_id={_id}");

        noId.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await noId.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_codes").EnumerateArray().Select(c => c.GetString())
            .ShouldBe(["payment_id_or_action_id_required"]);
        (await badLimit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_codes").EnumerateArray().Select(c => c.GetString())
            .ShouldBe(["limit_invalid", "pagination_token_invalid"]);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        anonymousActions.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task discrepancy_faults_are_stamped_on_what_settles_while_they_are_on()
    {
        await _sandbox.SetFaultsAsync(new { SettleUnknownCapture = true, FeePerCapture = 250, SettlementDayShift = -1 });
        var (other, _) = await _sandbox.CreatePaymentAsync(2000, "ORD-2");
        await _sandbox.CompleteAsync(other, "captured");
        await _sandbox.SetFaultsAsync(new { RefundAmountDifference = 10 });
        using (var refund = await _sandbox.Client.PostAsJsonAsync($"/payments/{other}/refunds", new { amount = 500 }))
        {
            refund.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        await Eventually.Until(() => _sandbox.GetPaymentAsync(other), p => p.GetProperty("status").GetString() == "Partially Refunded");
        await _sandbox.SetFaultsAsync(new { });

        var yesterday = (await JsonAsync($"/reports?created_after={Instant(Today)}&created_before={Instant(Today.AddDays(1))}")).GetProperty("data")[0];
        var yesterdays = (await FileAsync(yesterday)).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(l => l.Split(',')).Select(f => (f[0] == other ? "other" : "unknown", f[2], f[9], f[11])).ToList();
        var todays = (await FileAsync(await TodaysReportAsync())).Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[1..]
            .Select(l => l.Split(',')).Where(f => f[0] == other).Select(f => (f[2], f[9], f[11])).ToList();

        yesterdays.ShouldBe([
            ("other", "Capture", "Gross", "2.000"), ("other", "Capture", "Processing Fee", "-0.250"), ("unknown", "Capture", "Gross", "2.000"),
        ]);
        todays.ShouldBe([("Refund", "Gross", "-0.510")]);
    }
}
