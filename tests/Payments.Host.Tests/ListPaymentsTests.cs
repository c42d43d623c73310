using System.Net;
using System.Text.Json;
using Alba;
using Payments.Domain;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>The back-office list over a few thousand payments: every filter, combinations, pages, and arrivals.</summary>
public class when_the_back_office_lists_payments(AppFixture app) : HostTest(app)
{
    private const string Key = "Bearer pk_dev_backoffice_8d41e6b0";
    private static readonly DateTimeOffset Start = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly List<Seeded> _seeded = [];

    private sealed record Seeded(Guid Id, PaymentStatus Status, long Amount, string Reference, string Email, string? CheckoutId, DateTimeOffset CreatedAt);

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var statuses = new[] { PaymentStatus.Requested, PaymentStatus.Pending, PaymentStatus.Captured, PaymentStatus.Expired };
        for (var batch = 0; batch < 6; batch++)
        {
            await using var session = App.Store.LightweightSession();
            for (var i = 0; i < 500; i++)
            {
                var n = (batch * 500) + i;
                var createdAt = Start.AddMinutes(n);
                var id = Guid.CreateVersion7(createdAt);
                var status = statuses[n % statuses.Length];
                var seeded = new Seeded(id, status, 10 * (1 + (n % 97)), $"ORD-{n % 50}", $"buyer{n % 13}@example.com",
                    status == PaymentStatus.Requested ? null : $"pay_{n:D26}", createdAt);
                _seeded.Add(seeded);
                session.Events.StartStream<Payment>(id, [.. History(seeded)]);
            }

            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }
    }

    private static IEnumerable<object> History(Seeded p)
    {
        yield return new PaymentRequested(p.Id, new KnetPaymentRequest
        {
            Amount = p.Amount, Reference = p.Reference, Language = "en", CustomerEmail = p.Email,
        }, p.CreatedAt);
        if (p.CheckoutId is null)
        {
            yield break;
        }

        yield return new PaymentPending(p.Id, p.CheckoutId, "https://knet.example/pay", p.CreatedAt);
        if (p.Status == PaymentStatus.Captured)
        {
            yield return new PaymentCaptured(p.Id, p.CheckoutId, "act_x", p.Amount, "10000", p.CreatedAt);
        }
        else if (p.Status == PaymentStatus.Expired)
        {
            yield return new PaymentExpired(p.Id, p.CheckoutId, "act_e", p.CreatedAt);
        }
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> List(string query)
    {
        var result = await App.Host.Scenario(x =>
        {
            x.Get.Url($"/payments{query}");
            x.WithRequestHeader("Authorization", Key);
            x.IgnoreStatusCode();
        });
        return ((HttpStatusCode)result.Context.Response.StatusCode, JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement.Clone());
    }

    /// <summary>Every page of a query, following nextCursor.</summary>
    private async Task<List<Guid>> All(string filters, int limit)
    {
        var ids = new List<Guid>();
        string? cursor = null;
        do
        {
            var (status, page) = await List($"?limit={limit}{filters}{(cursor is null ? "" : $"&cursor={cursor}")}");
            status.ShouldBe(HttpStatusCode.OK);
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()));
            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return ids;
    }

    private List<Guid> Expected(Func<Seeded, bool> filter) =>
        [.. _seeded.Where(filter).OrderByDescending(s => s.Id).Select(s => s.Id)];

    public static TheoryData<string, string> Filters() => new()
    {
        { "&status=Captured", "captured" },
        { "&status=Pending&status=Expired", "pending or expired" },
        { "&createdFrom=2026-11-02T00:00:00Z&createdTo=2026-11-02T12:00:00Z", "created in a window" },
        { "&reference=ORD-7", "by reference" },
        { "&customerEmail=buyer3@example.com", "by customer" },
        { "&minAmount=500&maxAmount=600", "by amount" },
        { "&checkoutPaymentId=pay_00000000000000000000001234", "by Checkout id" },
        { "&status=Captured&customerEmail=buyer3@example.com&minAmount=300", "combined" },
        { "", "everything" },
    };

    [Theory]
    [MemberData(nameof(Filters))]
    public async Task each_filter_returns_exactly_the_matching_payments_newest_first_across_pages(string filters, string name)
    {
        var from = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);
        var to = from.AddHours(12);
        Func<Seeded, bool> expected = name switch
        {
            "captured" => s => s.Status == PaymentStatus.Captured,
            "pending or expired" => s => s.Status is PaymentStatus.Pending or PaymentStatus.Expired,
            "created in a window" => s => s.CreatedAt >= from && s.CreatedAt < to,
            "by reference" => s => s.Reference == "ORD-7",
            "by customer" => s => s.Email == "buyer3@example.com",
            "by amount" => s => s.Amount is >= 500 and <= 600,
            "by Checkout id" => s => s.CheckoutId == "pay_00000000000000000000001234",
            "combined" => s => s.Status == PaymentStatus.Captured && s.Email == "buyer3@example.com" && s.Amount >= 300,
            _ => _ => true,
        };

        (await All(filters, limit: 200)).ShouldBe(Expected(expected), name);
    }

    [Fact]
    public async Task a_page_holds_at_most_limit_items_and_the_last_page_has_no_cursor()
    {
        var (_, first) = await List("?limit=7&reference=ORD-7");
        first.GetProperty("items").GetArrayLength().ShouldBe(7);
        first.GetProperty("items")[0].GetProperty("status").GetString().ShouldNotBeNull();

        var all = await All("&reference=ORD-7", limit: 7);
        all.Count.ShouldBe(60);
        all.Distinct().Count().ShouldBe(60);
    }

    [Fact]
    public async Task paging_stays_correct_while_new_payments_arrive()
    {
        var (_, first) = await List("?limit=50");
        var cursor = first.GetProperty("nextCursor").GetString();
        await using (var session = App.Store.LightweightSession())
        {
            for (var i = 0; i < 10; i++)
            {
                var id = Guid.CreateVersion7(Start.AddDays(40).AddMinutes(i));
                session.Events.StartStream<Payment>(id, new PaymentRequested(id, new KnetPaymentRequest { Amount = 1000, Language = "en" }, Start.AddDays(40)));
            }

            await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        }

        var (_, second) = await List($"?limit=50&cursor={cursor}");

        var seen = first.GetProperty("items").EnumerateArray().Concat(second.GetProperty("items").EnumerateArray())
            .Select(i => i.GetProperty("id").GetGuid()).ToList();
        seen.ShouldBe(Expected(_ => true).Take(100));
    }

    [Theory]
    [InlineData("?limit=0")]
    [InlineData("?limit=201")]
    [InlineData("?limit=ten")]
    [InlineData("?status=captured")]
    [InlineData("?status=3")]
    [InlineData("?createdFrom=yesterday")]
    [InlineData("?minAmount=-5")]
    [InlineData("?cursor=not-a-cursor")]
    public async Task a_bad_parameter_is_400_list_query_invalid(string query)
    {
        var (status, body) = await List(query);

        status.ShouldBe(HttpStatusCode.BadRequest);
        body.GetProperty("code").GetString().ShouldBe("list_query_invalid");
    }
}
