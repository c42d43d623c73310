using System.Text.Json.Nodes;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using static Payments.Host.Tests.Fixtures.HostileInputTest;

namespace Payments.Host.Tests;

/// <summary>Bodies built from the documented examples with one hostile part (docs/architecture.md, "Hostile input").</summary>
internal static class Hostile
{
    private const string Marker = "@hostile@";
    public const string Payments = "/payments";

    /// <summary>The example payment body with <paramref name="field"/> (<c>reference</c>, <c>customer.name</c>, <c>metadata.cart</c>) set to a raw JSON literal.</summary>
    public static string Payment(string field, string literal)
    {
        var body = JsonNode.Parse(Example("POST /payments"))!.AsObject();
        var path = field.Split('.');
        var parent = path.Length == 1 ? body : body[path[0]]!.AsObject();
        parent[path[^1]] = Marker;
        return body.ToJsonString().Replace($"\"{Marker}\"", literal, StringComparison.Ordinal);
    }

    /// <summary>The example payment body whose only metadata key is a raw JSON string literal.</summary>
    public static string PaymentWithMetadataKey(string keyLiteral) =>
        Example("POST /payments").Replace("\"cart\"", keyLiteral, StringComparison.Ordinal);

    /// <summary>JSON text with its marker replaced by raw bytes (which need not be UTF-8).</summary>
    public static byte[] WithBytes(string json, params byte[] raw)
    {
        var at = json.IndexOf(Marker, StringComparison.Ordinal);
        return [.. Utf8(json[..at]), .. raw, .. Utf8(json[(at + Marker.Length)..])];
    }

    public static string Refunds(Guid id) => $"/payments/{id}/refunds";
}

public class when_a_payment_field_holds_a_nul_character(AppFixture app) : HostileInputTest(app)
{
    public static TheoryData<string> StringFields() =>
    [
        "reference", "description", "successUrl", "failureUrl", "currency", "language", "userDefinedField1", "userDefinedField2",
        "userDefinedField3", "userDefinedField4", "userDefinedField5", "cardToken", "ptlf", "customer.email", "customer.name",
        "metadata.cart",
    ];

    [Theory]
    [MemberData(nameof(StringFields))]
    public async Task the_field_is_422_text_control_character_and_nothing_is_stored(string field)
    {
        var answer = await Refused(422, "request_invalid", "POST", Hostile.Payments, Utf8(Hostile.Payment(field, "\"ORD\\u0000-1\"")));

        answer.Errors.ShouldBe([(field, "text_control_character")]);
    }

    [Fact]
    public async Task a_nul_in_a_metadata_key_is_reported_under_metadata_without_the_key()
    {
        var answer = await Refused(422, "request_invalid", "POST", Hostile.Payments, Utf8(Hostile.PaymentWithMetadataKey("\"ca\\u0000rt\"")));

        answer.Errors.ShouldBe([("metadata", "text_control_character")]);
    }

    [Fact]
    public async Task every_other_c0_control_character_is_refused_the_same_way()
    {
        var answer = await Refused(422, "request_invalid", "POST", Hostile.Payments, Utf8(Hostile.Payment("description", "\"line\\u001fbreak\\ttab\"")));

        answer.Errors.ShouldBe([("description", "text_control_character")]);
    }

    [Fact]
    public async Task a_nul_in_a_refund_reference_is_422_text_control_character()
    {
        var answer = await Refused(422, "request_invalid", "POST", Hostile.Refunds(Captured), Utf8("""{"amount":500,"reference":"r\u0000"}"""));

        answer.Errors.ShouldBe([("reference", "text_control_character")]);
    }
}

/// <summary>
/// System.Text.Json refuses a lone surrogate escape while binding a string (it has no UTF-8 form), so the answer is
/// 400 naming the path; the edge rule's <c>text_unpaired_surrogate</c> is for text that arrives otherwise (a query).
/// </summary>
public class when_a_payment_field_holds_a_lone_surrogate(AppFixture app) : HostileInputTest(app)
{
    [Theory]
    [InlineData("reference", "$.reference")]
    [InlineData("customer.name", "$.customer.name")]
    [InlineData("metadata.cart", "$.metadata.cart")]
    public async Task the_body_is_400_request_malformed_naming_the_field(string field, string path)
    {
        var answer = await Refused(400, "request_malformed", "POST", Hostile.Payments, Utf8(Hostile.Payment(field, "\"a\\ud800b\"")));

        answer.Detail.ShouldStartWith($"{path}: ");
    }

    [Fact]
    public async Task a_lone_low_surrogate_in_a_metadata_key_is_400_at_the_metadata()
    {
        var answer = await Refused(400, "request_malformed", "POST", Hostile.Payments, Utf8(Hostile.PaymentWithMetadataKey("\"\\udc00\"")));

        answer.Detail.ShouldStartWith("$.metadata: ");
    }

    [Fact]
    public async Task a_lone_surrogate_in_a_refund_reference_is_400_request_malformed()
    {
        var answer = await Refused(400, "request_malformed", "POST", Hostile.Refunds(Captured), Utf8("""{"reference":"\ud800"}"""));

        answer.Detail.ShouldStartWith("$.reference: ");
    }
}

public class when_a_body_is_not_valid_utf8(AppFixture app) : HostileInputTest(app)
{
    public static TheoryData<string, byte[]> InvalidBytes() => new()
    {
        { "stray continuation bytes", [0xFF, 0xFE] },
        { "a truncated sequence", [0xC3] },
        { "an encoded surrogate (CESU-8)", [0xED, 0xA0, 0x80] },
        { "an overlong NUL", [0xC0, 0x80] },
    };

    [Theory]
    [MemberData(nameof(InvalidBytes))]
    public async Task a_payment_is_400_request_malformed_naming_the_field(string kind, byte[] bytes)
    {
        var answer = await Refused(400, "request_malformed", "POST", Hostile.Payments, Hostile.WithBytes(Hostile.Payment("reference", "\"a@hostile@b\""), bytes));

        answer.Detail.ShouldNotBeNull().ShouldStartWith("$.reference: ", customMessage: kind);
    }

    [Theory]
    [MemberData(nameof(InvalidBytes))]
    public async Task a_refund_is_400_request_malformed_naming_the_field(string kind, byte[] bytes)
    {
        var answer = await Refused(400, "request_malformed", "POST", Hostile.Refunds(Captured), Hostile.WithBytes("""{"reference":"@hostile@"}""", bytes));

        answer.Detail.ShouldNotBeNull().ShouldStartWith("$.reference: ", customMessage: kind);
    }
}

public class when_a_payment_id_is_all_zeros_or_malformed(AppFixture app) : HostileInputTest(app)
{
    public static TheoryData<string, string, string> Routes()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var id in new[] { Guid.Empty.ToString(), "00000000000000000000000000000000", "not-an-id", "a\0b", "\ud800" })
        {
            data.Add("GET", $"/payments/{id}", "");
            data.Add("GET", $"/payments/{id}/events", "");
            data.Add("GET", $"/payments/{id}/state", "?version=1");
            data.Add("POST", $"/payments/{id}/refunds", "");
            data.Add("POST", $"/operations/payments/{id}/check", "");
            data.Add("POST", $"/operations/payments/{id}/sync", "");
            data.Add("POST", $"/operations/payments/{id}/settle", "");
            data.Add("POST", $"/operations/payments/{id}/checks/cancel", "");
            data.Add("POST", $"/operations/payments/{id}/review/clear", "");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Routes), DisableDiscoveryEnumeration = true)]
    public async Task the_route_is_404_payment_not_found(string method, string path, string query) =>
        await Refused(404, "payment_not_found", method, path, method == "POST" ? Utf8("{}") : null, query: query);
}

public class when_a_refund_body_is_empty_or_not_an_object(AppFixture app) : HostileInputTest(app)
{
    [Theory]
    [InlineData("", "application/json")]
    [InlineData("", null)]
    [InlineData("   ", "application/json")]
    [InlineData("null", "application/json")]
    [InlineData("[]", "application/json")]
    [InlineData("[{}]", "application/json")]
    [InlineData("500", "application/json")]
    [InlineData("\"everything\"", "application/json")]
    [InlineData("true", "application/json")]
    public async Task it_is_400_request_malformed_and_refunds_nothing(string body, string? contentType) =>
        await Refused(400, "request_malformed", "POST", Hostile.Refunds(Captured), Utf8(body), contentType);

    [Fact]
    public async Task a_misspelt_amount_is_400_naming_it_not_a_refund_of_everything()
    {
        var answer = await Refused(400, "request_malformed", "POST", Hostile.Refunds(Captured), Utf8("""{"amonut":500}"""));

        answer.Detail.ShouldStartWith("$.amonut: ");
    }

    [Fact]
    public async Task an_odd_amount_is_422_before_the_idempotency_key_is_claimed()
    {
        var before = await App.Rows();

        var answer = await Send("POST", Hostile.Refunds(Captured), Utf8("""{"amount":105,"reference":"odd"}"""),
            headers: new Dictionary<string, string> { ["Idempotency-Key"] = "refund-odd" });

        answer.Status.ShouldBe(422);
        answer.Code.ShouldBe("request_invalid");
        answer.Errors.ShouldBe([("amount", "refund_amount_invalid")]);
        (await App.Rows()).ShouldBe(before);
    }
}

public class when_a_body_repeats_a_key(AppFixture app) : HostileInputTest(app)
{
    [Theory]
    [InlineData("""{"amount":1500,"amount":10,"currency":"KWD","language":"en"}""", "$.amount")]
    [InlineData("""{"amount":1500,"currency":"KWD","language":"en","customer":{"email":"a@b.c","email":"x@y.z"}}""", "$.customer.email")]
    [InlineData("""{"amount":1500,"currency":"KWD","language":"en","metadata":{"cart":"a","cart":"b"}}""", "$.metadata.cart")]
    public async Task a_payment_is_400_request_malformed_naming_the_key(string body, string path)
    {
        var answer = await Refused(400, "request_malformed", "POST", Hostile.Payments, Utf8(body));

        answer.Detail.ShouldStartWith($"{path}: ");
    }

    [Fact]
    public async Task a_refund_is_400_request_malformed_naming_the_key()
    {
        var answer = await Refused(400, "request_malformed", "POST", Hostile.Refunds(Captured), Utf8("""{"amount":100,"amount":1000}"""));

        answer.Detail.ShouldStartWith("$.amount: ");
    }
}

public class when_a_json_value_has_the_wrong_type(AppFixture app) : HostileInputTest(app)
{
    [Theory]
    [InlineData("amount", "\"1500\"", "$.amount")]
    [InlineData("amount", "1500.5", "$.amount")]
    [InlineData("amount", "1e400", "$.amount")]
    [InlineData("currency", "414", "$.currency")]
    [InlineData("customer", "\"buyer\"", "$.customer")]
    [InlineData("metadata", "[1]", "$.metadata")]
    public async Task a_payment_is_400_request_malformed_naming_the_field(string field, string literal, string path)
    {
        var answer = await Refused(400, "request_malformed", "POST", Hostile.Payments, Utf8(Hostile.Payment(field, literal)));

        answer.Detail.ShouldStartWith($"{path}: ");
        answer.Detail.ShouldNotContain("System.");
    }

    [Fact]
    public async Task a_refund_amount_as_text_is_400_request_malformed()
    {
        var answer = await Refused(400, "request_malformed", "POST", Hostile.Refunds(Captured), Utf8("""{"amount":"100"}"""));

        answer.Detail.ShouldStartWith("$.amount: ");
    }

    [Fact]
    public async Task a_metadata_value_that_is_not_a_primitive_is_422_metadata_value_invalid()
    {
        var answer = await Refused(422, "request_invalid", "POST", Hostile.Payments, Utf8(Hostile.Payment("metadata.cart", """{"nested":true}""")));

        answer.Errors.ShouldBe([("metadata.cart", "metadata_value_invalid")]);
    }
}

public class when_json_is_nested_too_deep(AppFixture app) : HostileInputTest(app)
{
    [Fact]
    public async Task a_deep_metadata_value_is_400_request_malformed()
    {
        var deep = new string('[', 10) + new string(']', 10);

        var answer = await Refused(400, "request_malformed", "POST", Hostile.Payments, Utf8(Hostile.Payment("metadata.cart", deep)));

        answer.Detail.ShouldStartWith("$.metadata.cart");
        answer.Detail.ShouldContain("depth");
    }

    [Fact]
    public async Task ten_thousand_open_brackets_are_400_request_malformed() =>
        await Refused(400, "request_malformed", "POST", Hostile.Payments, Utf8(new string('[', 10_000)));
}

public class when_metadata_breaks_checkouts_limits(AppFixture app) : HostileInputTest(app)
{
    [Fact]
    public async Task a_100000_character_key_is_422_metadata_key_invalid_and_not_echoed()
    {
        var answer = await Refused(422, "request_invalid", "POST", Hostile.Payments, Utf8(Hostile.PaymentWithMetadataKey($"\"{new string('k', 100_000)}\"")));

        answer.Errors.ShouldBe([("metadata", "metadata_key_invalid")]);
        answer.Text.Length.ShouldBeLessThan(2_000);
    }

    [Fact]
    public async Task twenty_one_fields_and_a_256_character_value_are_both_reported()
    {
        var metadata = Enumerable.Range(1, 21).ToDictionary(i => $"k{i:D2}", i => (JsonNode)(i == 7 ? new string('v', 256) : "v"));

        var answer = await Refused(422, "request_invalid", "POST", Hostile.Payments,
            Utf8(Hostile.Payment("metadata", new JsonObject(metadata!).ToJsonString())));

        answer.Errors.ShouldBe([("metadata", "metadata_invalid"), ("metadata.k07", "metadata_value_invalid")]);
    }
}

public class when_a_list_filter_holds_hostile_text(AppFixture app) : HostileInputTest(app)
{
    // Not serialized at discovery: a lone surrogate would arrive as U+FFFD.
    public static TheoryData<string, string, string> Filters() => new()
    {
        { "reference", "?reference=%00", "text_control_character" },
        { "customerEmail", "?customerEmail=buyer%01%40example.com", "text_control_character" },
        { "checkoutPaymentId", "?checkoutPaymentId=pay_%00", "text_control_character" },
        { "reference", "?reference=\ud800", "text_unpaired_surrogate" },
        { "customerEmail", "?customerEmail=a\udc00@example.com", "text_unpaired_surrogate" },
    };

    [Theory]
    [MemberData(nameof(Filters), DisableDiscoveryEnumeration = true)]
    public async Task it_is_400_list_query_invalid_with_the_edge_code(string parameter, string query, string code)
    {
        var answer = await Refused(400, "list_query_invalid", "GET", Hostile.Payments, query: query, contentType: null);

        answer.Errors.ShouldBe([(parameter, code)]);
    }

    [Theory]
    [InlineData("?status=%00")]
    [InlineData("?createdFrom=%00")]
    [InlineData("?cursor=%00")]
    [InlineData("?minAmount=%00")]
    public async Task a_parsed_filter_is_400_list_query_invalid(string query) =>
        await Refused(400, "list_query_invalid", "GET", Hostile.Payments, query: query, contentType: null);

    [Theory]
    [InlineData("?at=%00")]
    [InlineData("?version=%00")]
    public async Task a_state_query_is_400_state_query_invalid(string query) =>
        await Refused(400, "state_query_invalid", "GET", $"/payments/{Captured}/state", query: query, contentType: null);
}

public class when_a_request_matches_no_endpoint(AppFixture app) : HostileInputTest(app)
{
    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    public async Task a_body_that_is_not_json_is_415_unsupported_media_type(string contentType)
    {
        await Refused(415, "unsupported_media_type", "POST", Hostile.Payments, Utf8(Example("POST /payments")), contentType);
        await Refused(415, "unsupported_media_type", "POST", Hostile.Refunds(Captured), Utf8("{}"), contentType);
    }

    [Fact]
    public async Task an_unknown_route_is_404_not_found() =>
        await Refused(404, "not_found", "GET", "/paymentz", contentType: null);

    [Fact]
    public async Task an_unmapped_method_is_405_method_not_allowed() =>
        await Refused(405, "method_not_allowed", "DELETE", Hostile.Payments, contentType: null);
}
