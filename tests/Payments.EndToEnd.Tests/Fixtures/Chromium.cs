using System.Text.Json;
using Deque.AxeCore.Commons;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Shouldly;

namespace Payments.EndToEnd.Tests.Fixtures;

/// <summary>
/// A person's browser: Debian's headless Chromium driven through Debian's chromedriver (both installed by
/// scripts/test.sh when missing; the paths are explicit, so Selenium never downloads anything). It checks pages with
/// axe-core (the script bundled in Deque.AxeCore.Commons, injected by WebDriver, so no page serves it) and, when
/// <c>PAYMENTS_SCREENSHOTS</c> names a folder (scripts/screenshots.sh), saves a screenshot of each page it is asked to.
/// </summary>
public sealed class Chromium : IDisposable
{
    private const string Binary = "/usr/bin/chromium";
    private const string DriverDirectory = "/usr/bin";
    private static readonly Lazy<string> AxeScript = new(() => new BundledAxeScriptProvider().GetScript());

    private readonly ChromeDriverService _service;
    private readonly DirectoryInfo _profile;

    public Chromium()
    {
        File.Exists(Binary).ShouldBeTrue($"{Binary} is missing: scripts/test.sh installs Debian's chromium");
        File.Exists(Path.Combine(DriverDirectory, "chromedriver")).ShouldBeTrue("chromedriver is missing: scripts/test.sh installs chromium-driver");
        _profile = Directory.CreateTempSubdirectory("knet-browser-");
        _service = ChromeDriverService.CreateDefaultService(DriverDirectory, "chromedriver");
        _service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Binary };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--window-size=1280,900", "--force-device-scale-factor=1", "--lang=en-US", $"--user-data-dir={_profile.FullName}");
        Driver = new ChromeDriver(_service, options, TimeSpan.FromSeconds(60));
        // Element look-ups wait (bounded) for the page a form post navigates to.
        Driver.Manage().Timeouts().ImplicitWait = TimeSpan.FromSeconds(15);
    }

    public ChromeDriver Driver { get; }

    public string Url => Driver.Url;

    public void Open(string url) => Driver.Navigate().GoToUrl(url);

    public IWebElement Find(string css) => Driver.FindElement(By.CssSelector(css));

    public IReadOnlyList<IWebElement> FindAll(string css) => Driver.FindElements(By.CssSelector(css));

    public string Text(string css) => Find(css).Text;

    public void Type(string css, string text)
    {
        var field = Find(css);
        field.Clear();
        field.SendKeys(text);
    }

    public void Select(string css, string value) => Find($"{css} option[value='{value}']").Click();

    /// <summary>Clicks and waits until the browser is at an address that satisfies <paramref name="arrived"/>.</summary>
    public async Task ClickAndWaitAsync(string css, Func<string, bool> arrived, string describe)
    {
        var before = Driver.Url;
        Find(css).Click();
        await Eventually.Until(() => Task.FromResult(Driver.Url), url => arrived(url) && (url != before || arrived(before)),
            TimeSpan.FromSeconds(20), url => $"{describe}: still at {url}");
        // The new document is loaded once the old one's elements are gone; wait for it to finish.
        await Eventually.Until(() => Task.FromResult(Driver.ExecuteScript("return document.readyState") as string ?? ""), state => state == "complete", TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// axe-core's violations of impact serious or critical on the page shown now (WCAG 2.1 A and AA rules and axe's
    /// best practices), one line each: "rule (impact): help — selector".
    /// </summary>
    public IReadOnlyList<string> SeriousAccessibilityViolations()
    {
        Driver.ExecuteScript(AxeScript.Value);
        var json = Driver.ExecuteAsyncScript("""
            const done = arguments[arguments.length - 1];
            axe.run(document, { resultTypes: ['violations'] })
              .then(r => done(JSON.stringify(r.violations)))
              .catch(e => done(JSON.stringify([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }])));
            """) as string ?? "[]";
        using var violations = JsonDocument.Parse(json);
        return [.. violations.RootElement.EnumerateArray()
            .Where(v => v.GetProperty("impact").GetString() is "serious" or "critical")
            .Select(v => $"{v.GetProperty("id").GetString()} ({v.GetProperty("impact").GetString()}): {v.GetProperty("help").GetString()} — "
                         + string.Join(", ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("target").ToString())))];
    }

    /// <summary>Asserts the page has no serious accessibility violation and, for scripts/screenshots.sh, saves it.</summary>
    public void CheckPage(string name)
    {
        SeriousAccessibilityViolations().ShouldBeEmpty($"axe-core on {name} ({Driver.Url})");
        if (Environment.GetEnvironmentVariable("PAYMENTS_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            // The whole page, not only the window: set the window to the document's height first.
            var height = Convert.ToInt32(Driver.ExecuteScript("return Math.ceil(document.documentElement.scrollHeight)"), System.Globalization.CultureInfo.InvariantCulture);
            Driver.Manage().Window.Size = new System.Drawing.Size(1280, Math.Clamp(height, 600, 4000));
            Driver.GetScreenshot().SaveAsFile(Path.Combine(folder, $"{name}.png"));
            Driver.Manage().Window.Size = new System.Drawing.Size(1280, 900);
        }
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        _service.Dispose();
        _profile.Delete(recursive: true);
    }
}
