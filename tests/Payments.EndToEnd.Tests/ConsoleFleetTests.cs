using System.Net;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// The console on a fleet: a session and a form opened on one node are honoured by another, because every node reads
/// the one data-protection key ring kept in PostgreSQL (docs/architecture.md, "Operator console").
/// </summary>
public sealed class when_an_operator_moves_between_nodes(PostgresDatabase database)
{
    [Fact]
    public async Task a_session_and_a_form_opened_on_one_node_are_honoured_by_another()
    {
        await using var e2e = await Wired.StartAsync(database, "e2e_console_fleet");
        await using var other = e2e.StartNode();
        var cookies = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false });
        browser.DefaultRequestHeaders.Accept.ParseAdd("text/html");

        var signIn = await browser.GetStringAsync(new Uri($"{e2e.ServiceUrl}/console/sign-in"));
        using var signedIn = await browser.PostAsync(new Uri($"{e2e.ServiceUrl}/console/sign-in"), new FormUrlEncodedContent(
            new Dictionary<string, string> { ["apiKey"] = Wired.BackofficeKey, ["__csrf"] = ConsoleForms.Token(signIn) }));
        signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);

        using var here = await browser.GetAsync(new Uri($"{e2e.ServiceUrl}/console"));
        here.Headers.Location!.ToString().ShouldBe("/console/payments", "on the node that signed in");

        // The other node knows the session: /console sends a signed-in operator on to the payments, not to sign in.
        using var there = await browser.GetAsync(new Uri($"{other.Url}/console"));
        there.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        there.Headers.Location!.ToString().ShouldBe("/console/payments");

        // A form rendered by the first node is accepted by the second: signing out there works.
        var page = await browser.GetStringAsync(new Uri($"{e2e.ServiceUrl}/console/sign-in"));
        using var signedOut = await browser.PostAsync(new Uri($"{other.Url}/console/sign-in?handler=SignOut"),
            new FormUrlEncodedContent(new Dictionary<string, string> { ["__csrf"] = ConsoleForms.Token(page) }));
        signedOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        using var after = await browser.GetAsync(new Uri($"{e2e.ServiceUrl}/console"));
        after.Headers.Location!.AbsolutePath.ShouldBe("/console/sign-in");
    }
}
