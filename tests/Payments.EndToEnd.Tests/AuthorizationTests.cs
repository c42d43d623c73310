using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Security;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// One stack and one payment for the whole matrix (110 cases; a stack per case cost 1.8 s each, about 3.5 minutes of
/// CI's budget): every answer asserted is the key's and the route's, not the payment's state, and what the admin key's
/// calls change (a refund of 10 fils, an operator's check) cannot turn another case's 401 or 403 into something else.
/// </summary>
public sealed class AuthorizationStackFixture(PostgresDatabase database) : IAsyncLifetime
{
    public Wired E2E { get; private set; } = null!;

    public Guid Payment { get; private set; }

    public async ValueTask InitializeAsync()
    {
        E2E = await Wired.StartAsync(database, "e2e_auth");
        (Payment, _) = await E2E.CreatePaymentAsync();
    }

    public async ValueTask DisposeAsync() => await E2E.DisposeAsync();
}

/// <summary>Every route of <see cref="ApiSurface.Routes"/> × no key / a key without the scope / a key with it.</summary>
public sealed class when_callers_present_api_keys(AuthorizationStackFixture stack) : IClassFixture<AuthorizationStackFixture>
{
    private Wired E2E => stack.E2E;

    private Guid PaymentId => stack.Payment;

    public static TheoryData<string, string> SecuredRoutes()
    {
        var data = new TheoryData<string, string>();
        foreach (var ((method, route), scope) in ApiSurface.Routes)
        {
            if (scope is not null)
            {
                data.Add(method, route);
            }
        }

        return data;
    }

    private async Task<HttpResponseMessage> Call(string method, string route, string? key)
    {
        var path = route.Replace("{id}", route.StartsWith("/webhooks", StringComparison.Ordinal) ? "evt_none" : PaymentId.ToString(), StringComparison.Ordinal);
        if (route.EndsWith("/state", StringComparison.Ordinal))
        {
            path += "?version=1";
        }

        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = JsonContent.Create(route == "/payments" ? Wired.PaymentBody() : new Dictionary<string, object?> { ["amount"] = 10 });
        }

        using var client = new HttpClient { BaseAddress = new Uri(E2E.ServiceUrl) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {key}");
        }

        return await client.SendAsync(request);
    }

    [Theory]
    [MemberData(nameof(SecuredRoutes))]
    public async Task without_a_key_the_route_is_401(string method, string route)
    {
        using var response = await Call(method, route, key: null);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("api_key_missing");
        response.Headers.WwwAuthenticate.ToString().ShouldBe("Bearer");
    }

    [Theory]
    [MemberData(nameof(SecuredRoutes))]
    public async Task an_unknown_key_is_401(string method, string route)
    {
        using var response = await Call(method, route, key: "pk_not_a_key");

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("api_key_invalid");
    }

    [Theory]
    [MemberData(nameof(SecuredRoutes))]
    public async Task a_key_without_the_scope_is_403(string method, string route)
    {
        using var response = await Call(method, route, Wired.ScopelessKey);

        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        problem.GetProperty("code").GetString().ShouldBe("scope_missing");
        problem.GetProperty("detail").GetString()!.ShouldContain(ApiSurface.Routes[(method, route)]!);
    }

    [Theory]
    [MemberData(nameof(SecuredRoutes))]
    public async Task a_key_with_the_scope_passes(string method, string route)
    {
        using var response = await Call(method, route, Wired.AdminKey);

        response.StatusCode.ShouldNotBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden);
        ((int)response.StatusCode).ShouldBeLessThan(500);
    }

    [Fact]
    public async Task the_back_office_key_reads_but_cannot_write()
    {
        using var read = await Call("GET", "/payments/{id}", Wired.BackofficeKey);
        using var write = await Call("POST", "/payments", Wired.BackofficeKey);
        using var merchant = await Call("POST", "/payments", Wired.MerchantKey);

        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        write.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        merchant.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task the_webhook_and_health_routes_need_no_api_key()
    {
        // Readiness waits, a few seconds after a start, for the fleet's leader to assign the durability agent.
        var ready = await Eventually.Until(async () =>
        {
            using var answer = await Call("GET", "/health/ready", key: null);
            return answer.StatusCode;
        }, status => status == HttpStatusCode.OK, TimeSpan.FromSeconds(30));
        using var live = await Call("GET", "/health/live", key: null);
        using var health = await Call("GET", "/health", key: null);
        using var webhook = await Call("POST", "/webhooks/checkout", key: null);

        ready.ShouldBe(HttpStatusCode.OK);
        live.StatusCode.ShouldBe(HttpStatusCode.OK);
        health.StatusCode.ShouldBe(HttpStatusCode.OK);
        webhook.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await webhook.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString().ShouldBe("webhook_unauthenticated");
    }
}
