using System.Net;
using System.Text;
using Marten;
using Payments.Host.Reconciliation;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>The console's reconciliation page: the day's document as tables, and "Run now" for operations:admin only.</summary>
public class when_an_operator_opens_the_reconciliation_page(AppFixture app) : HostTest(app)
{
    private const string Path = "/console/reconciliation";
    private const string Act = "act_y3oqhf46pyzuxjbcn2giaqnb44";

    private async Task<ConsoleClient> SignedInAsync(string key)
    {
        var browser = new ConsoleClient(App.Host);
        (await browser.SignInAsync(key)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        return browser;
    }

    private void ReportWithAFeeAndABadLine() => StubReports.Serve(App.Checkout, Encoding.UTF8.GetBytes(
        string.Join(',', SettlementCsv.RequiredColumns) + "\r\n"
        + $"{Given.CheckoutId},{Act},Capture,,2026-11-24T10:00:00Z,2026-11-24,1124,Processing Fee,KWD,-0.250\r\n"
        + "not,a,line\r\n"));

    [Fact]
    public async Task run_now_reconciles_the_day_with_the_operators_name_and_the_page_shows_it()
    {
        ReportWithAFeeAndABadLine();
        using var browser = await SignedInAsync(ConsoleClient.AdminKey);
        var token = await browser.TokenOfAsync($"{Path}?date=2026-11-24");

        using var run = await browser.PostFormAsync($"{Path}?handler=Run", new Dictionary<string, string> { ["date"] = "2026-11-24", ["__csrf"] = token });
        var page = await browser.PageAsync($"{Path}?date=2026-11-24");

        run.StatusCode.ShouldBe(HttpStatusCode.SeeOther);
        run.Headers.Location!.ToString().ShouldBe($"{Path}?date=2026-11-24");
        page.ShouldContain("<p id=\"action-message\" role=\"status\" class=\"ok\">2026-11-24 reconciled by admin-dev: 0 matched, 2 discrepancies.</p>");
        page.ShouldContain($"<dd id=\"report-id\">{StubReports.ReportId}</dd>");
        page.ShouldContain($"<tr><td>{Given.CheckoutId}</td><td>{Act}</td><td>Processing Fee</td><td class=\"num\">-0.250 KWD</td></tr>");
        page.ShouldContain("<tr><td class=\"num\">3</td><td>3 fields, the header has 10</td></tr>");
        page.ShouldContain("<button type=\"submit\" data-action=\"run\">Run now");
        await using var session = App.Store.QuerySession();
        var day = (await session.LoadAsync<SettlementReconciliation>("2026-11-24")).ShouldNotBeNull();
        day.Cause.ShouldStartWith("http:POST /console/reconciliation?handler=Run by admin-dev (");
    }

    [Fact]
    public async Task a_key_that_may_only_read_sees_no_run_button_and_its_post_is_refused_403()
    {
        ReportWithAFeeAndABadLine();
        using var browser = await SignedInAsync(ConsoleClient.BackofficeKey);
        var page = await browser.PageAsync($"{Path}?date=2026-11-24");
        var token = ConsoleClient.TokenIn(page);

        using var run = await browser.PostFormAsync($"{Path}?handler=Run", new Dictionary<string, string> { ["date"] = "2026-11-24", ["__csrf"] = token });

        page.ShouldNotContain("data-action=\"run\"");
        page.ShouldContain("<p id=\"not-reconciled\">2026-11-24 has not been reconciled.</p>");
        run.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        App.Checkout.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task run_posted_without_its_antiforgery_token_is_400_and_a_bad_day_is_400()
    {
        ReportWithAFeeAndABadLine();
        using var browser = await SignedInAsync(ConsoleClient.AdminKey);
        _ = await browser.PageAsync(Path);

        using var forged = await browser.PostFormAsync($"{Path}?handler=Run", new Dictionary<string, string> { ["date"] = "2026-11-24" });
        using var bad = await browser.GetAsync($"{Path}?date=24-11-2026");

        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        App.Checkout.Requests.ShouldBeEmpty();
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("<p class=\"error\" role=\"alert\" id=\"reconciliation-error\">Give a settlement day as YYYY-MM-DD.</p>");
    }
}
