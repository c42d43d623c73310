using System.Text.Json;
using Alba;
using Marten;
using Payments.Domain;
using Payments.Host.Payments;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>
/// A merchant's Idempotency-Key recovers: a request that died holding its key is run again once its lease ends, a key
/// belongs to one API key, and a key is forgotten after its retention. Checkout.com is not reachable from these
/// hosts, so every payment here stays Requested (202) — the answer is still the true one.
/// </summary>
public class when_a_merchant_retries_with_an_idempotency_key(AppFixture app) : HostTest(app)
{
    private const string Merchant = "Bearer pk_dev_merchant_3f9c2a71";
    private const string Admin = "Bearer pk_dev_admin_c57a90d2";

    private static object Body(long amount = 1000) => new
    {
        amount, currency = "KWD", reference = "ORD-IDEM-1", language = "en",
        successUrl = "https://shop.example/ok", failureUrl = "https://shop.example/fail",
    };

    private async Task<(int Status, JsonElement Body)> Create(string key, string auth = Merchant, long amount = 1000)
    {
        var result = await App.Host.Scenario(x =>
        {
            x.Post.Json(Body(amount)).ToUrl("/payments");
            x.WithRequestHeader("Authorization", auth);
            x.WithRequestHeader("Idempotency-Key", key);
            x.IgnoreStatusCode();
        });
        return (result.Context.Response.StatusCode, result.ReadAsJson<JsonElement>());
    }

    private async Task<IdempotencyRecord> Record(string key, string principal = "merchant-dev")
    {
        await using var session = App.Store.QuerySession();
        return (await session.LoadAsync<IdempotencyRecord>($"{principal}|{RequestPaymentEndpoint.IdempotencyScope}|{key}"))!;
    }

    [Fact]
    public async Task a_key_whose_request_died_holding_it_is_in_use_until_its_lease_ends_then_the_request_runs_again_on_the_same_payment()
    {
        var (first, created) = await Create("died-holding-it");
        var id = created.GetProperty("id").GetGuid();
        // The process died between its work and storing the answer: the key is held, the payment exists.
        await using (var session = App.Store.LightweightSession())
        {
            var record = await session.LoadAsync<IdempotencyRecord>($"merchant-dev|{RequestPaymentEndpoint.IdempotencyScope}|died-holding-it");
            record!.State = IdempotencyState.InProgress;
            record.Status = null;
            record.Body = null;
            record.LeaseExpiresAt = App.Clock.GetUtcNow() + TimeSpan.FromMinutes(1);
            session.Update(record);
            await session.SaveChangesAsync();
        }

        var (held, problem) = await Create("died-holding-it");
        App.Clock.Advance(TimeSpan.FromMinutes(1));
        var (again, rerun) = await Create("died-holding-it");

        first.ShouldBe(202);
        held.ShouldBe(409);
        problem.GetProperty("code").GetString().ShouldBe("idempotency_key_in_use");
        again.ShouldBe(202);
        rerun.GetProperty("id").GetGuid().ShouldBe(id);
        (await App.Store.Stream(id)).Count(e => e.Data is PaymentRequested).ShouldBe(1);
        (await Record("died-holding-it")).ShouldSatisfyAllConditions(
            r => r.State.ShouldBe(IdempotencyState.Completed),
            r => r.Runs.ShouldBe(2));
    }

    [Fact]
    public async Task a_released_key_runs_its_request_again_at_once()
    {
        var (_, created) = await Create("released");
        await using (var session = App.Store.LightweightSession())
        {
            var record = await session.LoadAsync<IdempotencyRecord>($"merchant-dev|{RequestPaymentEndpoint.IdempotencyScope}|released");
            record!.State = IdempotencyState.Released;
            session.Update(record);
            await session.SaveChangesAsync();
        }

        var (again, rerun) = await Create("released");

        again.ShouldBe(202);
        rerun.GetProperty("id").GetGuid().ShouldBe(created.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task two_api_keys_using_the_same_idempotency_key_never_collide()
    {
        var (merchant, mine) = await Create("shared-key");
        var (admin, theirs) = await Create("shared-key", Admin, 2000);

        merchant.ShouldBe(202, mine.ToString());
        admin.ShouldBe(202);
        theirs.GetProperty("id").GetGuid().ShouldNotBe(mine.GetProperty("id").GetGuid());
        theirs.GetProperty("amount").GetInt64().ShouldBe(2000);
    }

    [Fact]
    public async Task a_key_is_remembered_for_its_retention_then_forgotten()
    {
        var (_, first) = await Create("retained");
        App.Clock.Advance(TimeSpan.FromHours(23));
        var (reused, refused) = await Create("retained", amount: 2000);
        App.Clock.Advance(TimeSpan.FromHours(1));
        var (fresh, second) = await Create("retained", amount: 2000);

        reused.ShouldBe(422);
        refused.GetProperty("code").GetString().ShouldBe("idempotency_key_reused");
        fresh.ShouldBe(202);
        second.GetProperty("id").GetGuid().ShouldNotBe(first.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task the_same_key_and_body_replay_the_first_answer_byte_for_byte()
    {
        var first = await App.Host.Scenario(x =>
        {
            x.Post.Json(Body()).ToUrl("/payments");
            x.WithRequestHeader("Authorization", Merchant);
            x.WithRequestHeader("Idempotency-Key", "replayed");
            x.StatusCodeShouldBe(202);
        });
        var second = await App.Host.Scenario(x =>
        {
            x.Post.Json(Body()).ToUrl("/payments");
            x.WithRequestHeader("Authorization", Merchant);
            x.WithRequestHeader("Idempotency-Key", "replayed");
            x.StatusCodeShouldBe(202);
        });

        second.ReadAsText().ShouldBe(first.ReadAsText());
        second.Context.Response.Headers.Location.ToString().ShouldBe(first.Context.Response.Headers.Location.ToString());
    }
}
