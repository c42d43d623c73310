using System.Net;
using System.Text.RegularExpressions;
using Alba;
using Microsoft.AspNetCore.Mvc.Testing.Handlers;

namespace Payments.Host.Tests.Fixtures;

/// <summary>
/// A browser's view of the operator console over the test server: it keeps cookies, never follows redirects (tests
/// assert them), sends <c>Accept: text/html</c> like a browser, and reads the antiforgery token out of a page's form.
/// </summary>
public sealed partial class ConsoleClient : IDisposable
{
    public const string AdminKey = "pk_dev_admin_c57a90d2";
    public const string BackofficeKey = "pk_dev_backoffice_8d41e6b0";
    public const string MerchantKey = "pk_dev_merchant_3f9c2a71";

    /// <summary>A key with <c>payments:write</c> only, configured by <see cref="AppFixture"/>.</summary>
    public const string CheckoutOnlyKey = "pk_test_checkout_only_5be1";

    private readonly HttpClient _http;

    public ConsoleClient(IAlbaHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        Cookies = new CookieContainer();
        _http = new HttpClient(new CookieContainerHandler(Cookies) { InnerHandler = host.Server.CreateHandler() })
        {
            BaseAddress = new Uri("http://localhost"),
        };
        _http.DefaultRequestHeaders.Accept.ParseAdd("text/html");
    }

    public CookieContainer Cookies { get; }

    /// <summary>Signs in with a key through the sign-in form; the answer of the form's post.</summary>
    public async Task<HttpResponseMessage> SignInAsync(string apiKey)
    {
        var token = await TokenOfAsync("/console/sign-in");
        return await PostFormAsync("/console/sign-in", new Dictionary<string, string> { ["apiKey"] = apiKey, ["__csrf"] = token });
    }

    public Task<HttpResponseMessage> GetAsync(string path) => _http.GetAsync(new Uri(path, UriKind.Relative));

    public async Task<string> PageAsync(string path)
    {
        using var answer = await GetAsync(path);
        var html = await answer.Content.ReadAsStringAsync();
        if (answer.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)answer.StatusCode}: {html}");
        }

        return html;
    }

    /// <summary>The antiforgery token in the first form of a page.</summary>
    public async Task<string> TokenOfAsync(string path) => TokenIn(await PageAsync(path));

    public static string TokenIn(string html)
    {
        var match = Token().Match(html);
        return match.Success ? WebUtility.HtmlDecode(match.Groups[1].Value) : throw new InvalidOperationException("no antiforgery token in the page");
    }

    public Task<HttpResponseMessage> PostFormAsync(string path, IReadOnlyDictionary<string, string> fields) =>
        _http.PostAsync(new Uri(path, UriKind.Relative), new FormUrlEncodedContent(fields));

    public void Dispose() => _http.Dispose();

    [GeneratedRegex("name=\"__csrf\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex Token();
}
