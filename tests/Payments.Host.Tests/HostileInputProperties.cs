using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Payments.Host.Security;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.Host.Tests;

/// <summary>One generated request: which route, and every part a client controls.</summary>
public sealed record HostileCase(
    string Method, string Route, string Path, string Query, byte[]? Body, string? ContentType, string? IdempotencyKey)
{
    /// <summary>Stands for the seeded captured payment's id, known only when the test runs.</summary>
    public const string CapturedId = "{captured}";

    private static string Show(string? text) => text is null ? "null"
        : string.Concat(text.Take(200).Select(c => c is < ' ' or > '~' ? $"\\u{(int)c:x4}" : c.ToString()));

    public override string ToString() =>
        $"{Method} {Show(Path)}{Show(Query)} content-type={Show(ContentType)} key={Show(IdempotencyKey)} " +
        $"body({Body?.Length ?? 0})={(Body is null ? "null" : Show(Encoding.UTF8.GetString(Body)))}";
}

/// <summary>Requests that must all be refused: every generated body breaks at least one rule of both write routes.</summary>
public static class HostileCases
{
    private const string Marker = "@hostile@";

    private static readonly string[] PaymentFields =
    [
        "amount", "currency", "language", "reference", "description", "successUrl", "failureUrl", "userDefinedField1",
        "userDefinedField3", "cardToken", "ptlf", "customer", "customer.email", "customer.name", "metadata", "metadata.cart", "amonut",
    ];

    private static readonly string[] RefundFields = ["amount", "reference", "amonut"];

    /// <summary>Ids for the parked-webhook <c>{id}</c>: an id no webhook can have is never looked up.</summary>
    private static readonly string[] WebhookIds = ["evt_none", "", "\u0001", "a\0b", "\ud800", "../../etc/passwd", "%00", new('e', 5000), "' or 1=1 --"];

    private static readonly string[] PaymentIds =
        [HostileCase.CapturedId, HostileCase.CapturedId, Guid.Empty.ToString(), "not-a-guid", "a\0b", "\ud800", "\u0001", new('9', 5000), "0193b3a0-0000-7000-8000-00000000beef"];

    private static readonly string[] Queries =
    [
        "", "", "", "?reference=%00", "?reference=\ud800", "?customerEmail=%01", "?checkoutPaymentId=" + new string('x', 5000),
        "?status=%00", "?status=Captured&status=%FF", "?limit=999999999999", "?limit=-1", "?cursor=%00%00",
        "?cursor=" + new string('A', 1000), "?at=%00", "?version=%00", "?version=99999999999999999999", "?from=2026-01-01&to=%00",
        "?from=0001-01-01&to=9999-12-31", "?%00=%00", "?reference=a&reference=%00", "?createdFrom=2026-13-45T99:99:99Z",
        "?minAmount=1e10", "?maxAmount=-5", "?at=2026-11-24T10:00:00Z&version=1",
    ];

    private static readonly string?[] ContentTypes =
    [
        "application/json", "application/json", "application/json", "application/json", null, "text/plain",
        "application/json; charset=latin1", "application/problem+json", "\u0001", "application/json\ud800", "", "multipart/form-data; boundary=x",
    ];

    private static readonly string?[] IdempotencyKeys = [null, null, "k-1", "", "a\0b", "\ud800", "\u0001", new('k', 300)];

    private static readonly string[] RawBodies =
    [
        "", " ", "null", "[]", "[{}]", "1", "\"s\"", "true", "{", "}", "{\"amount\":", "{}x", "{\"a\"}", new('[', 10_000),
        "{\"amount\":500}{\"amount\":500}", "\uFEFF", "{'amount':500}", "{\"amount\":500,}", "/*c*/{\"amount\":500}",
    ];

    /// <summary>A string that is never storable: safe text around one C0 control character, as a JSON escape.</summary>
    private static Gen<string> ControlText =>
        from before in Gen.Elements("", "ORD-", "x y", "é")
        from c in Gen.Choose(0, 31)
        from after in Gen.Elements("", "-1", "🙂")
        select $"\"{before}\\u{c:x4}{after}\"";

    private static Gen<string> LoneSurrogate =>
        from s in Gen.Choose(0xD800, 0xDFFF)
        select $"\"a\\u{s:x4}b\"";

    /// <summary>Literals that break any field of either body (a valid string, number or boolean would not).</summary>
    private static Gen<string> HostileLiteral => Gen.OneOf(
        ControlText,
        LoneSurrogate,
        Gen.Elements("[[1]]", "{\"x\":[]}", "[[[[[[[[[[1]]]]]]]]]]", $"\"{new string('x', 70_000)}\"", "\"raw\u0001control\""));

    private static string Set(string example, string field, string literal)
    {
        var body = JsonNode.Parse(example)!.AsObject();
        var path = field.Split('.');
        (path.Length == 1 ? body : body[path[0]]!.AsObject())[path[^1]] = Marker;
        return body.ToJsonString().Replace($"\"{Marker}\"", literal, StringComparison.Ordinal);
    }

    private static Gen<byte[]> Body(bool refund)
    {
        var example = HostileInputTest.Example(refund ? "POST /payments/{id}/refunds" : "POST /payments");
        var mutated =
            from field in Gen.Elements(refund ? RefundFields : PaymentFields)
            from literal in HostileLiteral
            select Encoding.UTF8.GetBytes(Set(example, field, literal));
        var duplicate = Gen.Constant(Encoding.UTF8.GetBytes("{\"amount\":10," + example[1..]));
        var raw = Gen.Elements(RawBodies).Select(Encoding.UTF8.GetBytes);
        var invalidUtf8 =
            from bytes in Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b))
            select (byte[])[0xFF, .. bytes];
        var invalidInString =
            from b in Gen.Choose(0x80, 0xFF)
            select (byte[])[.. Encoding.UTF8.GetBytes(example[..^1] + ",\"reference\":\"a"), (byte)b, .. "\"}"u8];
        return Gen.Frequency((6, mutated), (1, duplicate), (3, raw), (1, invalidUtf8), (1, invalidInString));
    }

    public static Arbitrary<HostileCase> Case()
    {
        var routes = ApiSurface.Routes.Keys.OrderBy(r => r.Route, StringComparer.Ordinal).ThenBy(r => r.Method, StringComparer.Ordinal).ToArray();
        var gen =
            from route in Gen.Elements(routes)
            from id in Gen.Elements(route.Route.StartsWith("/webhooks", StringComparison.Ordinal) ? WebhookIds : PaymentIds)
            from query in Gen.Elements(Queries)
            from body in route.Method == "POST"
                ? Body(refund: route.Route.EndsWith("/refunds", StringComparison.Ordinal)).Select(b => (byte[]?)b)
                : Gen.Frequency((3, Gen.Constant((byte[]?)null)), (1, Body(refund: false).Select(b => (byte[]?)b)))
            from contentType in Gen.Elements(ContentTypes)
            from key in Gen.Elements(IdempotencyKeys)
            select new HostileCase(route.Method, route.Route, route.Route.Replace("{id}", id, StringComparison.Ordinal), query, body, contentType, key);
        return Arb.From(gen);
    }
}

/// <summary>
/// Every route of ApiSurface.Routes under random hostile bodies, Content-Types, Idempotency-Keys and query strings
/// (docs/architecture.md, "Hostile input"): never a 5xx, every error a ProblemDetails with a code, and no event or
/// document row changes, while one captured payment gives the <c>{id}</c> routes and refunds something real to hit.
/// </summary>
public class when_anything_hostile_reaches_any_route(AppFixture app) : HostileInputTest(app)
{
    [Property(MaxTest = 120, Arbitrary = [typeof(HostileCases)])]
    public async Task the_answer_is_never_a_5xx_and_nothing_is_stored(HostileCase request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var before = await App.Rows();
        var headers = request.IdempotencyKey is null ? null : new Dictionary<string, string> { ["Idempotency-Key"] = request.IdempotencyKey };

        var answer = await Send(request.Method, request.Path.Replace(HostileCase.CapturedId, Captured.ToString(), StringComparison.Ordinal),
            request.Body, request.ContentType, request.Query, headers);

        answer.Status.ShouldBeLessThan(500, answer.ToString());
        if (answer.Status >= 400)
        {
            answer.Code.ShouldNotBeNullOrEmpty(answer.ToString());
        }

        (await App.Rows()).ShouldBe(before, $"{request} stored something: {answer}");
    }
}
