using System.Text.Json;
using Alba;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Payments.Host.Security;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.Host.Tests;

public class when_someone_reads_the_api_description(AppFixture app) : HostTest(app)
{
    private async Task<JsonElement> Document()
    {
        var result = await App.Host.Scenario(x => x.Get.Url("/openapi/v1.json"));
        return JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task every_mapped_route_appears_in_the_openapi_document()
    {
        var paths = (await Document()).GetProperty("paths");
        var mapped = App.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? [])
                .Select(m => (Method: m, Route: "/" + e.RoutePattern.RawText!.TrimStart('/'))))
            .Where(r => !r.Route.StartsWith("/openapi", StringComparison.Ordinal) && !r.Route.StartsWith("/scalar", StringComparison.Ordinal))
            .ToList();

        mapped.Count.ShouldBeGreaterThanOrEqualTo(ApiSurface.Routes.Count + 1);
        foreach (var (method, route) in mapped)
        {
            paths.TryGetProperty(route, out var operations).ShouldBeTrue($"{route} is missing from /openapi/v1.json");
            operations.TryGetProperty(method.ToLowerInvariant(), out _).ShouldBeTrue($"{method} {route} is missing from /openapi/v1.json");
        }
    }

    [Fact]
    public async Task every_route_has_its_documented_answers_and_the_writes_their_bodies_with_examples()
    {
        var paths = (await Document()).GetProperty("paths");

        foreach (var ((method, route), shape) in ApiDocs.Routes)
        {
            var operation = paths.GetProperty(route).GetProperty(method.ToLowerInvariant());
            foreach (var (status, _) in shape.Answers)
            {
                operation.GetProperty("responses").TryGetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out _)
                    .ShouldBeTrue($"{method} {route} does not document {status}");
            }

            if (shape.Request is not null)
            {
                operation.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema")
                    .ValueKind.ShouldBe(JsonValueKind.Object);
            }
        }

        var create = paths.GetProperty("/payments").GetProperty("post").GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
        create.GetProperty("example").GetProperty("currency").GetString().ShouldBe("KWD");
    }

    [Fact]
    public async Task the_interactive_reference_is_served()
    {
        await App.Host.Scenario(x =>
        {
            x.Get.Url("/scalar/v1");
            x.StatusCodeShouldBeOk();
        });
    }
}
