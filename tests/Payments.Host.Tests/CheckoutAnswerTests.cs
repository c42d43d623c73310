using System.Text.Json;
using Alba;
using Marten;
using Microsoft.AspNetCore.Http;
using Payments.Domain;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>
/// Checkout.com's answers as they can really arrive, over real HTTP from <see cref="FakeCheckout"/>: a refusal with no
/// <c>Cko-Request-Id</c> header, or a 2xx nobody can read. The merchant gets the answer for what it means, never a 500
/// after the intent was stored.
/// </summary>
public class when_checkout_answers_without_its_optional_parts(AppFixture app) : HostTest(app)
{
    private const string MerchantKey = "Bearer pk_dev_merchant_3f9c2a71";

    private static readonly object Body = new
    {
        amount = 1000, currency = "KWD", reference = "ORD-5023-4E89", language = "en",
        successUrl = "https://shop.example/ok", failureUrl = "https://shop.example/fail",
    };

    private async Task<(int Status, JsonElement Answer)> RequestPayment()
    {
        var result = await App.Host.Scenario(x =>
        {
            x.Post.Json(Body).ToUrl("/payments");
            x.WithRequestHeader("Authorization", MerchantKey);
            x.IgnoreStatusCode();
        });
        return (result.Context.Response.StatusCode, JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement.Clone());
    }

    private async Task<IReadOnlyList<object>> OnlyStream()
    {
        await using var session = App.Store.QuerySession();
        var id = (await session.Query<Payment>().Select(p => p.Id).ToListAsync(TestContext.Current.CancellationToken)).ShouldHaveSingleItem();
        return [.. (await App.Store.Stream(id)).Select(e => e.Data)];
    }

    [Theory]
    [InlineData(422, """{"error_type":"request_invalid","error_codes":["payment_source_required"]}""", "request_invalid", "payment_source_required")]
    [InlineData(401, "", null, null)]
    [InlineData(403, "", null, null)]
    public async Task a_refusal_without_cko_request_id_rejects_the_payment(int status, string body, string? errorType, string? errorCode)
    {
        App.Checkout.Answer(async context =>
        {
            context.Response.StatusCode = status;
            if (body.Length > 0)
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(body);
            }
        });

        var (answered, answer) = await RequestPayment();

        answered.ShouldBe(StatusCodes.Status422UnprocessableEntity);
        answer.GetProperty("code").GetString().ShouldBe("payment_rejected");
        var stream = await OnlyStream();
        stream.Count.ShouldBe(2);
        stream[0].ShouldBeOfType<PaymentRequested>();
        var rejected = stream[1].ShouldBeOfType<PaymentRejected>();
        (rejected.HttpStatus, rejected.ErrorType, rejected.RequestId).ShouldBe((status, errorType, (string?)null));
        rejected.ErrorCodes.ShouldBe(errorCode is null ? [] : [errorCode]);
    }

    [Fact]
    public async Task a_2xx_that_is_not_json_leaves_the_outcome_unknown_and_asks_again_later()
    {
        App.Checkout.Answer(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status202Accepted;
            await context.Response.WriteAsync("<html>accepted</html>");
        });

        var (answered, answer) = await RequestPayment();

        answered.ShouldBe(StatusCodes.Status202Accepted);
        answer.GetProperty("status").GetString().ShouldBe("Requested");
        var stream = await OnlyStream();
        stream.Select(e => e.GetType()).ShouldBe([typeof(PaymentRequested), typeof(PaymentOutcomeUnknown)]);
        ((PaymentOutcomeUnknown)stream[1]).Reason.ShouldBe("202 with a body that is not the expected JSON");
    }
}
