using Alba;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.Host.Tests;

public class when_the_host_is_running(AppFixture app) : HostTest(app)
{
    [Fact]
    public async Task health_answers_200_when_postgres_answers()
    {
        var result = await App.Host.Scenario(x =>
        {
            x.Get.Url("/health");
            x.StatusCodeShouldBeOk();
        });

        (await result.ReadAsTextAsync()).ShouldBe("""{"status":"Healthy","checks":{"event_store":"Healthy"}}""");
    }
}
