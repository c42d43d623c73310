using System.Net;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>Who may open the operator console and what a refused visitor gets (docs/architecture.md, "Operator console").</summary>
public class when_someone_opens_the_console(AppFixture app) : HostTest(app)
{
    [Fact]
    public async Task a_visitor_without_a_session_is_sent_to_sign_in_and_a_script_gets_401()
    {
        using var browser = new ConsoleClient(App.Host);
        using var page = await browser.GetAsync("/console");
        page.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        page.Headers.Location!.ToString().ShouldBe("http://localhost/console/sign-in?returnUrl=%2Fconsole");

        using var script = await App.Host.Server.CreateClient().GetAsync(new Uri("/console", UriKind.Relative), TestContext.Current.CancellationToken);
        script.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task an_api_key_in_the_authorization_header_does_not_open_the_console()
    {
        using var client = App.Host.Server.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", ConsoleClient.AdminKey);
        using var answer = await client.GetAsync(new Uri("/console", UriKind.Relative), TestContext.Current.CancellationToken);
        answer.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task a_backoffice_key_signs_in_and_is_sent_to_the_page_it_asked_for()
    {
        using var browser = new ConsoleClient(App.Host);
        var token = await browser.TokenOfAsync("/console/sign-in?returnUrl=%2Fconsole%2Fattention");
        using var signedIn = await browser.PostFormAsync("/console/sign-in?returnUrl=%2Fconsole%2Fattention",
            new Dictionary<string, string> { ["apiKey"] = ConsoleClient.BackofficeKey, ["__csrf"] = token });

        signedIn.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        signedIn.Headers.Location!.ToString().ShouldBe("/console/attention");
        var cookie = browser.Cookies.GetCookies(new Uri("http://localhost/console/")).Single(c => c.Name == "payments-console");
        cookie.HttpOnly.ShouldBeTrue();
        cookie.Path.ShouldBe("/console");
        cookie.Value.ShouldNotContain(ConsoleClient.BackofficeKey);
    }

    [Fact]
    public async Task a_sign_in_never_redirects_outside_the_console()
    {
        foreach (var elsewhere in new[] { "https://evil.example/", "//evil.example/console/", "/payments", "/console\\..\\x" })
        {
            // A token belongs to the visitor it was made for: each sign-in starts as a new visitor.
            using var browser = new ConsoleClient(App.Host);
            var token = await browser.TokenOfAsync("/console/sign-in");
            using var signedIn = await browser.PostFormAsync($"/console/sign-in?returnUrl={Uri.EscapeDataString(elsewhere)}",
                new Dictionary<string, string> { ["apiKey"] = ConsoleClient.BackofficeKey, ["__csrf"] = token });
            signedIn.Headers.Location!.ToString().ShouldBe("/console/payments", elsewhere);
        }
    }

    [Theory]
    [InlineData("not-a-key")]
    [InlineData("")]
    [InlineData("pk_dev_admin_c57a90d2 x")]
    public async Task an_unknown_key_is_refused_with_401_and_no_session(string key)
    {
        using var browser = new ConsoleClient(App.Host);
        using var refused = await browser.SignInAsync(key);

        var page = await refused.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized, page);
        page.ShouldContain("This key cannot open the console.");
        browser.Cookies.GetCookies(new Uri("http://localhost/console/")).ShouldNotContain(c => c.Name == "payments-console");
    }

    [Fact]
    public async Task a_key_with_a_nul_is_refused_as_malformed_and_opens_no_session()
    {
        using var browser = new ConsoleClient(App.Host);
        using var refused = await browser.SignInAsync("pk_dev_admin_c57a90d2\u0000");

        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        browser.Cookies.GetCookies(new Uri("http://localhost/console/")).ShouldNotContain(c => c.Name == "payments-console");
    }

    [Fact]
    public async Task a_key_that_may_only_create_payments_cannot_open_the_console()
    {
        using var browser = new ConsoleClient(App.Host);
        using var refused = await browser.SignInAsync(ConsoleClient.CheckoutOnlyKey);

        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        browser.Cookies.GetCookies(new Uri("http://localhost/console/")).ShouldNotContain(c => c.Name == "payments-console");
    }

    [Fact]
    public async Task a_form_posted_without_its_antiforgery_token_is_refused_and_signs_nobody_in()
    {
        using var browser = new ConsoleClient(App.Host);
        _ = await browser.PageAsync("/console/sign-in");
        using var forged = await browser.PostFormAsync("/console/sign-in", new Dictionary<string, string> { ["apiKey"] = ConsoleClient.AdminKey });

        forged.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        browser.Cookies.GetCookies(new Uri("http://localhost/console/")).ShouldNotContain(c => c.Name == "payments-console");
    }

    [Fact]
    public async Task signing_out_ends_the_session()
    {
        using var browser = new ConsoleClient(App.Host);
        (await browser.SignInAsync(ConsoleClient.AdminKey)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
        var token = await browser.TokenOfAsync("/console/sign-in");
        using var signedOut = await browser.PostFormAsync("/console/sign-in?handler=SignOut", new Dictionary<string, string> { ["__csrf"] = token });
        signedOut.StatusCode.ShouldBe(HttpStatusCode.Redirect);

        using var page = await browser.GetAsync("/console");
        page.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        page.Headers.Location!.AbsolutePath.ShouldBe("/console/sign-in");
    }

    [Fact]
    public async Task console_pages_are_never_cached_nor_framed_and_run_no_foreign_script()
    {
        using var browser = new ConsoleClient(App.Host);
        using var page = await browser.GetAsync("/console/sign-in");

        page.Headers.CacheControl!.NoStore.ShouldBeTrue();
        page.Headers.GetValues("Content-Security-Policy").Single()
            .ShouldBe("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'");
        page.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
        using var css = await browser.GetAsync("/console/assets/console.css");
        css.StatusCode.ShouldBe(HttpStatusCode.OK);
        css.Content.Headers.ContentType!.MediaType.ShouldBe("text/css");
    }

    [Fact]
    public async Task a_session_ends_when_its_key_is_removed_from_the_configuration()
    {
        const string Key = "pk_test_console_soon_removed";
        var configuration = (Microsoft.Extensions.Configuration.IConfigurationRoot)App.Host.Services.GetService(typeof(Microsoft.Extensions.Configuration.IConfiguration))!;
        void Configure(string? sha256)
        {
            Environment.SetEnvironmentVariable("Auth__ApiKeys__9__Name", sha256 is null ? null : "soon-removed");
            Environment.SetEnvironmentVariable("Auth__ApiKeys__9__Sha256", sha256);
            Environment.SetEnvironmentVariable("Auth__ApiKeys__9__Scopes__0", sha256 is null ? null : "backoffice:read");
            configuration.Reload();
        }

        try
        {
            Configure(global::Payments.Host.Security.ApiKeyOptions.Hash(Key));
            using var browser = new ConsoleClient(App.Host);
            (await browser.SignInAsync(Key)).StatusCode.ShouldBe(HttpStatusCode.Redirect);
            using (var before = await browser.GetAsync("/console"))
            {
                before.Headers.Location!.ToString().ShouldBe("/console/payments", "signed in");
            }

            Configure(null);
            using var after = await browser.GetAsync("/console");
            after.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            after.Headers.Location!.AbsolutePath.ShouldBe("/console/sign-in");
        }
        finally
        {
            Configure(null);
        }
    }
}
