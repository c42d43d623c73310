using Alba;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Host.Checkout;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>The Checkout section is checked when the service starts, not at the first call or the first webhook.</summary>
[Collection(SharedHost.Name)]
public class when_the_service_starts_with_a_checkout_setting_missing
{
    [Fact]
    public async Task start_up_fails_with_a_message_naming_the_setting()
    {
        // The real Program.cs in Development (whose appsettings hold the sandbox's keys), with the webhook key emptied.
        var start = AlbaHost.For<Program>(x => x
            .ConfigureAppConfiguration((_, configuration) =>
                configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Checkout:WebhookSignatureKey"] = "" }))
            .ConfigureLogging(logging => logging.ClearProviders()));

        var failure = await Should.ThrowAsync<Exception>(start);

        var validation = failure as OptionsValidationException
            ?? failure.InnerException as OptionsValidationException
            ?? throw new ShouldAssertException($"not an options validation failure: {failure}");
        validation.Failures.ShouldBe([
            "Checkout:WebhookSignatureKey is empty: every webhook would be answered 401 (environment: Checkout__WebhookSignatureKey).",
        ]);
    }

    private static IReadOnlyList<string> Failures(string environment, Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection()
            .AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment })
            .AddCheckout(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<CheckoutOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException e)
        {
            return [.. e.Failures];
        }
    }

    [Fact]
    public void every_missing_key_and_a_relative_base_url_are_named()
    {
        Failures(Environments.Production, new() { ["Checkout:BaseUrl"] = "sandbox.example/api" }).ShouldBe([
            "Checkout:SecretKey is empty: Checkout.com would refuse every call (environment: Checkout__SecretKey).",
            "Checkout:WebhookSignatureKey is empty: every webhook would be answered 401 (environment: Checkout__WebhookSignatureKey).",
            "Checkout:BaseUrl must be an absolute http(s) URL, not 'sandbox.example/api'.",
        ]);
    }

    [Fact]
    public void the_sandbox_keys_serve_development_and_are_refused_in_production()
    {
        var sandbox = new Dictionary<string, string?>
        {
            ["Checkout:SecretKey"] = "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e", ["Checkout:WebhookSignatureKey"] = "whsec_sandbox_signature_key",
        };

        Failures(Environments.Development, sandbox).ShouldBeEmpty();
        Failures(Environments.Production, sandbox).ShouldBe([
            "The development Checkout keys are refused in Production: configure the real Checkout:SecretKey and Checkout:WebhookSignatureKey.",
        ]);
        Failures(Environments.Production, new() { ["Checkout:SecretKey"] = "sk_live_a", ["Checkout:WebhookSignatureKey"] = "whsec_b" }).ShouldBeEmpty();
    }
}
