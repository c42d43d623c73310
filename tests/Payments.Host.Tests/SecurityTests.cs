using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;
using Payments.Host.Security;
using Shouldly;

namespace Payments.Host.Tests;

public class when_the_service_starts_with_api_keys
{
    private static IConfiguration Keys(string sha256) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Auth:ApiKeys:0:Name"] = "k",
        ["Auth:ApiKeys:0:Sha256"] = sha256,
        ["Auth:ApiKeys:0:Scopes:0"] = Scopes.BackofficeRead,
    }).Build();

    private static IReadOnlyList<string> Failures(IConfiguration configuration, string environment)
    {
        using var services = new ServiceCollection()
            .AddApiSurface(configuration, new HostingEnvironment { EnvironmentName = environment }).BuildServiceProvider();
        try
        {
            _ = services.GetRequiredService<IOptions<ApiKeyOptions>>().Value;
            return [];
        }
        catch (OptionsValidationException e)
        {
            return [.. e.Failures];
        }
    }

    [Fact]
    public void the_documented_development_keys_are_refused_in_production()
    {
        Failures(Keys(ApiKeyOptions.Hash("pk_dev_admin_c57a90d2")), Environments.Production).ShouldBe([
            "Auth:ApiKeys:0:Sha256 is a documented development key, refused in Production: anyone who read the README could call the "
            + "service (environment: Auth__ApiKeys__0__Sha256).",
        ]);
    }

    [Fact]
    public void the_merchants_own_keys_are_accepted_in_production_and_dev_keys_in_development()
    {
        Failures(Keys(ApiKeyOptions.Hash("a-real-secret")), Environments.Production).ShouldBeEmpty();
        Failures(Keys(ApiKeyOptions.Hash("pk_dev_admin_c57a90d2")), Environments.Development).ShouldBeEmpty();
    }

    [Fact]
    public void the_development_key_hashes_are_the_documented_keys()
    {
        string[] documented = ["pk_dev_merchant_3f9c2a71", "pk_dev_backoffice_8d41e6b0", "pk_dev_admin_c57a90d2", "pk_dev_shop_5e2b9c14"];

        documented.Select(ApiKeyOptions.Hash).ShouldBe(ApiKeyOptions.DevelopmentKeyHashes);
    }
}
