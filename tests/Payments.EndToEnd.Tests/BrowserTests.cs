using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// A customer in a real browser: Debian's headless Chromium driven through Debian's chromedriver (both installed by
/// scripts/test.sh when missing; paths are explicit, so Selenium never downloads anything).
/// </summary>
public sealed class when_a_customer_pays_in_a_real_browser(PostgresDatabase database)
{
    private const string Chromium = "/usr/bin/chromium";
    private const string DriverDirectory = "/usr/bin";

    [Fact]
    public async Task headless_chromium_pays_with_the_test_card_and_the_payment_is_captured()
    {
        File.Exists(Chromium).ShouldBeTrue($"{Chromium} is missing: scripts/test.sh installs Debian's chromium");
        File.Exists(Path.Combine(DriverDirectory, "chromedriver")).ShouldBeTrue("chromedriver is missing: scripts/test.sh installs chromium-driver");
        await using var e2e = await Wired.StartAsync(database, "e2e_browser");
        var (id, redirect) = await e2e.CreatePaymentAsync(returnUrl: $"{e2e.SandboxUrl}/");
        var profile = Directory.CreateTempSubdirectory("knet-browser-");

        using var service = ChromeDriverService.CreateDefaultService(DriverDirectory, "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = Chromium };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            $"--user-data-dir={profile.FullName}");
        using (var browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60)))
        {
            // Element look-ups wait (bounded) for the page a form post navigates to.
            browser.Manage().Timeouts().ImplicitWait = TimeSpan.FromSeconds(15);
            browser.Navigate().GoToUrl(redirect);
            browser.FindElement(By.CssSelector("#bank option[value='KNET1']")).Click();
            browser.FindElement(By.Id("card")).SendKeys("8888880000000001");
            browser.FindElement(By.CssSelector("#month option[value='09']")).Click();
            browser.FindElement(By.CssSelector("#year option[value='2025']")).Click();
            browser.FindElement(By.Id("pin")).SendKeys("1234");
            browser.FindElement(By.Id("submit")).Click();
            browser.FindElement(By.Id("masked-card")).Text.ShouldBe("888888******0001");
            browser.FindElement(By.Id("confirm")).Click();

            // Back at the merchant's success URL (the sandbox's home page here), carrying the session id. Wait for the
            // navigation itself: an element found too early belongs to the page being left.
            await Eventually.Until(() => Task.FromResult(browser.Url),
                url => url.StartsWith($"{e2e.SandboxUrl}/?cko-session-id=sid_", StringComparison.Ordinal), TimeSpan.FromSeconds(15));
            browser.FindElement(By.TagName("body")).Text.ShouldStartWith("Checkout.com KNET sandbox");
            browser.Quit();
        }

        profile.Delete(recursive: true);
        var payment = await e2e.PaymentInAsync(id, "Captured");
        payment.GetProperty("capturedAmount").GetInt64().ShouldBe(1000);
    }
}
