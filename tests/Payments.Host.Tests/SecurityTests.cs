using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
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

    [Fact]
    public void the_documented_development_keys_are_refused_in_production()
    {
        var production = new HostingEnvironment { EnvironmentName = Environments.Production };

        Should.Throw<InvalidOperationException>(() =>
            new ServiceCollection().AddApiSurface(Keys(ApiKeyOptions.Hash("pk_dev_admin_c57a90d2")), production))
            .Message.ShouldContain("development API keys are refused in Production");
    }

    [Fact]
    public void the_merchants_own_keys_are_accepted_in_production_and_dev_keys_in_development()
    {
        new ServiceCollection().AddApiSurface(Keys(ApiKeyOptions.Hash("a-real-secret")), new HostingEnvironment { EnvironmentName = Environments.Production });
        new ServiceCollection().AddApiSurface(Keys(ApiKeyOptions.Hash("pk_dev_admin_c57a90d2")), new HostingEnvironment { EnvironmentName = Environments.Development });
    }

    [Fact]
    public void the_development_key_hashes_are_the_documented_keys()
    {
        string[] documented = ["pk_dev_merchant_3f9c2a71", "pk_dev_backoffice_8d41e6b0", "pk_dev_admin_c57a90d2"];

        documented.Select(ApiKeyOptions.Hash).ShouldBe(ApiKeyOptions.DevelopmentKeyHashes);
    }
}
