using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Marten;
using Payments.Host.Tests.Fixtures;
using Payments.Host.Webhooks;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>Signs and posts raw bytes to <c>POST /webhooks/checkout</c>, as Checkout.com does.</summary>
internal static class SignedWebhooks
{
    public static string Sign(byte[] body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(AppFixture.WebhookSignatureKey), body));

    public static async Task<HttpResponseMessage> PostWebhook(this AppFixture app, byte[] body)
    {
        using var client = app.Host.Server.CreateClient();
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/checkout") { Content = content };
        request.Headers.TryAddWithoutValidation("Cko-Signature", Sign(body));
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static Task<HttpResponseMessage> PostWebhook(this AppFixture app, string body) => app.PostWebhook(Encoding.UTF8.GetBytes(body));

    /// <summary><c>payment_captured</c> for <see cref="Given.CheckoutId"/>, carrying our payment id in its metadata.</summary>
    public static string Captured(string eventId, Guid paymentId) => JsonSerializer.Serialize(new
    {
        id = eventId, type = "payment_captured", version = "1.0.29", created_on = "2026-11-24T10:00:00Z",
        data = new
        {
            id = Given.CheckoutId, action_id = "act_capture", amount = 1000, response_code = "10000",
            metadata = new { payment_id = paymentId.ToString() },
        },
    });
}

/// <summary>
/// A correctly signed body that is not a strict webhook envelope: refused with 400 <c>webhook_malformed</c> before
/// anything is stored, whatever is wrong and wherever in the body it is.
/// </summary>
public class when_a_signed_webhook_is_malformed(AppFixture app) : HostTest(app)
{
    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Envelope(string data = """{"id":"pay_4gubyq2w335upc54dx7a4257lq"}""", string id = "evt_malformed", string type = "payment_captured") =>
        Utf8($$"""{"id":"{{id}}","type":"{{type}}","version":"1.0.29","created_on":"2026-11-24T10:00:00Z","data":{{data}}}""");

    private static readonly byte[] BadUtf8 = [0xC3, 0x28];

    /// <summary>Each case: the raw body, and the field error code when one string is to blame.</summary>
    public static TheoryData<string, byte[], string?> Cases => new()
    {
        { "invalid UTF-8 in a value", [.. Envelope("""{"id":"pay_x","reference":"X"}""").SelectMany(b => b == (byte)'X' ? BadUtf8 : [b])], null },
        { "invalid UTF-8 in the event id", [.. Envelope(id: "evt_X").SelectMany(b => b == (byte)'X' ? BadUtf8 : [b])], null },
        { "an encoded surrogate (CESU-8)", [.. Envelope("""{"id":"pay_x","reference":"X"}""").SelectMany(b => b == (byte)'X' ? new byte[] { 0xED, 0xA0, 0x80 } : [b])], null },
        { "a duplicate key at the top", Utf8("""{"id":"evt_1","id":"evt_2","type":"payment_captured","data":{"id":"pay_x"}}"""), null },
        { "a duplicate key in data", Envelope("""{"id":"pay_x","amount":1000,"amount":9990}"""), null },
        { "an array", Utf8("""[{"id":"evt_1","type":"payment_captured","data":{"id":"pay_x"}}]"""), null },
        { "a string", Utf8("\"evt_1\""), null },
        { "nested too deep", Envelope($$"""{"id":"pay_x","metadata":{{new string('[', 20)}}{{new string(']', 20)}}}"""), null },
        { "two values", Utf8("""{"id":"evt_1","type":"payment_captured","data":{"id":"pay_x"}} {}"""), null },
        { "NUL in the event id", Envelope(id: @"evt_\u0000"), "text_control_character" },
        { "a C0 character in the type", Envelope(type: @"payment_captured\u001f"), "text_control_character" },
        { "a newline in a nested value", Envelope("""{"id":"pay_x","metadata":{"note":"a\nb"}}"""), "text_control_character" },
        { "a C0 character in a property name", Envelope("""{"id":"pay_x","metadata":{"a\u0001":1}}"""), "text_control_character" },
        { "a C0 character in an array item", Envelope("""{"id":"pay_x","items":["ok","\u0007"]}"""), "text_control_character" },
        { "a lone high surrogate in a value", Envelope("""{"id":"pay_x","reference":"x\ud800"}"""), "text_unpaired_surrogate" },
        { "a lone low surrogate in the payment id", Envelope("""{"id":"pay_\udc00"}"""), "text_unpaired_surrogate" },
        { "a lone surrogate in a property name", Envelope("""{"id":"pay_x","metadata":{"\ud800x":1}}"""), "text_unpaired_surrogate" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task it_is_400_and_nothing_is_stored(string situation, byte[] body, string? fieldCode)
    {
        using var response = await App.PostWebhook(body);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, situation);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        problem.GetProperty("code").GetString().ShouldBe("webhook_malformed");
        if (fieldCode is not null)
        {
            problem.GetProperty("errors")[0].GetProperty("code").GetString().ShouldBe(fieldCode);
        }

        await using var session = App.Store.QuerySession();
        (await session.Query<CheckoutWebhook>().CountAsync(TestContext.Current.CancellationToken)).ShouldBe(0);
        (await session.Events.QueryAllRawEvents().CountAsync(TestContext.Current.CancellationToken)).ShouldBe(0);
    }

    [Fact]
    public async Task the_field_error_names_where_the_string_is()
    {
        using var response = await App.PostWebhook(Envelope("""{"id":"pay_x","metadata":{"notes":["fine","bad\u0000"]}}"""));

        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        problem.GetProperty("errors")[0].GetProperty("field").GetString().ShouldBe("$.data.metadata.notes[1]");
    }

    [Fact]
    public async Task text_that_is_merely_unusual_is_accepted_and_stored_as_sent()
    {
        // Arabic, an emoji (escaped as a surrogate pair, and raw) and DEL (U+007F is not C0) are all fine.
        var body = Envelope("""{"id":"pay_x","reference":"طلب 5023 \ud83d\ude00 😀 \u007f","metadata":{"كود":"x"}}""", id: "evt_unusual", type: "card_verified");

        using var response = await App.PostWebhook(body);

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        await using var session = App.Store.QuerySession();
        var stored = await session.LoadAsync<CheckoutWebhook>("evt_unusual", TestContext.Current.CancellationToken);
        stored.ShouldNotBeNull().Body.ShouldBe(Encoding.UTF8.GetString(body));
    }
}
