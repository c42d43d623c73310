using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Payments.Sandbox.Tests.Fixtures;
using Shouldly;

namespace Payments.Sandbox.Tests;

public sealed partial class when_a_merchant_calls_the_payments_api : IAsyncLifetime
{
    private SandboxServer _sandbox = null!;

    public async ValueTask InitializeAsync() => _sandbox = await SandboxServer.StartAsync();

    public async ValueTask DisposeAsync() => await _sandbox.DisposeAsync();

    [GeneratedRegex("^pay_[a-z2-7]{26}$")]
    private static partial Regex PaymentId();

    [Fact]
    public async Task a_missing_or_wrong_key_is_401_with_a_request_id_and_no_body()
    {
        foreach (var header in new[] { null, "Bearer sk_sbox_wrongwrongwrongwrongwrongwr", SandboxServer.SecretKey + "x" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/payments") { Content = JsonContent.Create(SandboxServer.KnetRequest()) };
            if (header is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", header);
            }

            using var response = await _sandbox.Browser.SendAsync(request);
            response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            response.Headers.GetValues("Cko-Request-Id").Single().ShouldNotBeNullOrEmpty();
            (await response.Content.ReadAsStringAsync()).ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task payments_are_listed_by_reference_newest_first_with_their_metadata()
    {
        var (first, _) = await _sandbox.CreatePaymentAsync(reference: "ORD-SEARCH-1");
        var (second, _) = await _sandbox.CreatePaymentAsync(reference: "ORD-SEARCH-1");
        await _sandbox.CreatePaymentAsync(reference: "ORD-SEARCH-2");

        using var found = await _sandbox.Client.GetAsync("/payments?reference=ORD-SEARCH-1&limit=100");
        using var none = await _sandbox.Client.GetAsync("/payments?reference=ORD-NOWHERE&limit=100");
        using var unsaid = await _sandbox.Client.GetAsync("/payments?limit=100");

        found.StatusCode.ShouldBe(HttpStatusCode.OK);
        var list = JsonNode.Parse(await found.Content.ReadAsStringAsync())!;
        list["total_count"]!.GetValue<int>().ShouldBe(2);
        list["data"]!.AsArray().Select(p => p!["id"]!.GetValue<string>()).ShouldBe([second, first]);
        list["data"]![0]!["metadata"]!["payment_id"]!.GetValue<string>().ShouldBe("0193b3a0-0000-7000-8000-000000000001");
        JsonNode.Parse(await none.Content.ReadAsStringAsync())!["total_count"]!.GetValue<int>().ShouldBe(0);
        unsaid.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task a_valid_knet_request_is_202_pending_with_self_and_redirect_links()
    {
        using var response = await _sandbox.Client.PostAsJsonAsync("/payments", SandboxServer.KnetRequest());

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        response.Headers.GetValues("Cko-Request-Id").Single().ShouldNotBeNullOrEmpty();
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        body.Select(p => p.Key).ShouldBe(["id", "status", "reference", "customer", "_links"]);
        var id = body["id"]!.GetValue<string>();
        PaymentId().IsMatch(id).ShouldBeTrue(id);
        body["status"]!.GetValue<string>().ShouldBe("Pending");
        body["reference"]!.GetValue<string>().ShouldBe("ORD-5023-4E89");
        body["customer"]!["id"]!.GetValue<string>().ShouldStartWith("cus_");
        body["_links"]!["self"]!["href"]!.GetValue<string>().ShouldBe($"{_sandbox.BaseUrl}/payments/{id}");
        body["_links"]!["redirect"]!["href"]!.GetValue<string>().ShouldMatch($"^{_sandbox.BaseUrl}/knet-external/redirect/tok_[a-z2-7]{{26}}/pay$");
    }

    [Fact]
    public async Task the_older_platform_key_is_accepted_raw_and_needs_no_processing_channel()
    {
        var request = JsonNode.Parse(JsonSerializer.Serialize(SandboxServer.KnetRequest()))!.AsObject();
        request.Remove("processing_channel_id");
        using var message = new HttpRequestMessage(HttpMethod.Post, "/payments") { Content = JsonContent.Create(request) };
        message.Headers.TryAddWithoutValidation("Authorization", SandboxServer.SecretKey);

        using var response = await _sandbox.Browser.SendAsync(message);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    public static TheoryData<string, string> InvalidRequests() => new()
    {
        { """{"processing_channel_id": null}""", "processing_channel_id_required" },
        { """{"processing_channel_id": "pc_short"}""", "processing_channel_id_invalid" },
        { """{"amount": null}""", "amount_required" },
        { """{"amount": 0}""", "amount_invalid" },
        { """{"amount": 1001}""", "amount_invalid" },
        { """{"amount": 1000000000}""", "amount_invalid" },
        { """{"amount": 10.5}""", "amount_invalid" },
        { """{"amount": "1000"}""", "amount_invalid" },
        { """{"currency": null}""", "currency_required" },
        { """{"currency": "USD"}""", "currency_not_supported" },
        { """{"reference": "123456789012345678901234567890123456789012345678901"}""", "reference_invalid" },
        { """{"description": "#"}""", "" },
        { """{"success_url": "/relative"}""", "success_url_invalid" },
        { """{"failure_url": "ftp://shop.example/fail"}""", "failure_url_invalid" },
        { """{"metadata": {"nested": {"a": 1}}}""", "metadata_invalid" },
        { """{"metadata": [1]}""", "metadata_invalid" },
        { """{"customer": {"email": "not-an-email"}}""", "customer_email_invalid" },
        { """{"source": null}""", "payment_source_required" },
        { """{"source": {"type": "card", "language": "en"}}""", "source_type_invalid" },
        { """{"source": {"type": "knet"}}""", "source_language_required" },
        { """{"source": {"type": "knet", "language": "fr"}}""", "source_language_invalid" },
        { """{"source": {"type": "knet", "language": "en", "user_defined_field1": "a@b"}}""", "source_user_defined_field1_invalid" },
        { """{"source": {"type": "knet", "language": "en", "user_defined_field2": "x/y"}}""", "source_user_defined_field2_invalid" },
        { """{"source": {"type": "knet", "language": "en", "user_defined_field3": "dash-ed"}}""", "source_user_defined_field3_invalid" },
        { """{"source": {"type": "knet", "language": "en", "user_defined_field4": 42}}""", "source_user_defined_field4_invalid" },
        { """{"source": {"type": "knet", "language": "en", "user_defined_field5": "ok;"}}""", "source_user_defined_field5_invalid" },
        { """{"source": {"type": "knet", "language": "en", "card_token": "1234567"}}""", "source_card_token_invalid" },
        { """{"source": {"type": "knet", "language": "en", "card_token": "12345678", "user_defined_field3": "three"}}""", "source_user_defined_field3_not_allowed" },
        { """{"source": {"type": "knet", "language": "en", "ptlf": "has space"}}""", "source_ptlf_invalid" },
        { """{"source": {"type": "knet", "language": "en", "ptlf": "abc", "user_defined_field5": "five"}}""", "source_user_defined_field5_not_allowed" },
    };

    [Theory]
    [MemberData(nameof(InvalidRequests))]
    public async Task each_broken_knet_rule_is_422_request_invalid_with_its_code(string change, string code)
    {
        var request = JsonNode.Parse(JsonSerializer.Serialize(SandboxServer.KnetRequest()))!.AsObject();
        foreach (var (key, value) in JsonNode.Parse(change)!.AsObject())
        {
            request[key] = value?.DeepClone();
        }

        using var response = await _sandbox.Client.PostAsync("/payments", new StringContent(request.ToJsonString(), Encoding.UTF8, "application/json"));

        if (code.Length == 0)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
            return;
        }

        response.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("error_type").GetString().ShouldBe("request_invalid");
        body.GetProperty("request_id").GetString().ShouldBe(response.Headers.GetValues("Cko-Request-Id").Single());
        body.GetProperty("error_codes").EnumerateArray().Select(e => e.GetString()).ShouldBe([code]);
    }

    [Fact]
    public async Task every_broken_rule_is_reported_at_once()
    {
        using var response = await _sandbox.Client.PostAsync("/payments", new StringContent(
            """{"amount": 5, "currency": "USD", "source": {"type": "knet", "language": "xx", "card_token": "1", "user_defined_field3": "u"}}""",
            Encoding.UTF8, "application/json"));

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        body.GetProperty("error_codes").EnumerateArray().Select(e => e.GetString()).ShouldBe([
            "processing_channel_id_required", "amount_invalid", "currency_not_supported", "source_language_invalid",
            "source_card_token_invalid", "source_user_defined_field3_not_allowed",
        ]);
    }

    [Fact]
    public async Task a_body_that_is_not_json_is_400_request_malformed()
    {
        using var response = await _sandbox.Client.PostAsync("/payments", new StringContent("{not json", Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error_type").GetString().ShouldBe("request_malformed");
    }

    [Fact]
    public async Task a_pending_payment_shows_its_source_echo_zero_balances_and_links()
    {
        var (id, redirect) = await _sandbox.CreatePaymentAsync();

        var payment = await _sandbox.GetPaymentAsync(id);

        payment.GetProperty("status").GetString().ShouldBe("Pending");
        payment.GetProperty("approved").GetBoolean().ShouldBeFalse();
        payment.GetProperty("amount").GetInt64().ShouldBe(1000);
        payment.GetProperty("currency").GetString().ShouldBe("KWD");
        payment.GetProperty("requested_on").GetString()!.ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$");
        payment.GetProperty("source").GetRawText().ShouldBe("""{"type":"knet","language":"en"}""");
        payment.GetProperty("balances").GetRawText().ShouldBe(
            """{"total_authorized":0,"total_voided":0,"available_to_void":0,"total_captured":0,"available_to_capture":0,"total_refunded":0,"available_to_refund":0}""");
        payment.GetProperty("metadata").GetProperty("payment_id").GetString().ShouldBe("0193b3a0-0000-7000-8000-000000000001");
        payment.GetProperty("_links").GetProperty("redirect").GetProperty("href").GetString().ShouldBe(redirect);
        payment.TryGetProperty("description", out _).ShouldBeFalse("nulls are omitted");
    }

    [Fact]
    public async Task an_unknown_payment_is_404()
    {
        using var response = await _sandbox.Client.GetAsync("/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaaaa");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        using var actions = await _sandbox.Client.GetAsync("/payments/pay_aaaaaaaaaaaaaaaaaaaaaaaaaa/actions");
        actions.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task the_same_idempotency_key_replays_the_first_answer_byte_for_byte()
    {
        async Task<(HttpStatusCode, string)> Post(string key, long amount)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/payments") { Content = JsonContent.Create(SandboxServer.KnetRequest(amount)) };
            request.Headers.Add("Cko-Idempotency-Key", key);
            using var response = await _sandbox.Client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var first = await Post("key-1", 1000);
        var repeat = await Post("key-1", 2000);
        var other = await Post("key-2", 1000);

        repeat.ShouldBe(first);
        first.Item1.ShouldBe(HttpStatusCode.Accepted);
        other.Item2.ShouldNotBe(first.Item2);
        (await _sandbox.Browser.GetFromJsonAsync<JsonElement>("/_sandbox/payments")).GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task a_refused_request_is_not_remembered_under_its_key()
    {
        using var invalid = new HttpRequestMessage(HttpMethod.Post, "/payments") { Content = JsonContent.Create(SandboxServer.KnetRequest(1001)) };
        invalid.Headers.Add("Cko-Idempotency-Key", "key-retry");
        (await _sandbox.Client.SendAsync(invalid)).StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);

        using var valid = new HttpRequestMessage(HttpMethod.Post, "/payments") { Content = JsonContent.Create(SandboxServer.KnetRequest()) };
        valid.Headers.Add("Cko-Idempotency-Key", "key-retry");
        (await _sandbox.Client.SendAsync(valid)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task a_concurrent_repeat_of_the_same_key_is_429()
    {
        // Checkout.com is slow: whichever request takes the key first is processed for a second; the other is 429.
        await _sandbox.SetFaultsAsync(new { api_delay = "00:00:01" });
        async Task<HttpStatusCode> Post()
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/payments") { Content = JsonContent.Create(SandboxServer.KnetRequest()) };
            request.Headers.Add("Cko-Idempotency-Key", "key-concurrent");
            using var response = await _sandbox.Client.SendAsync(request);
            return response.StatusCode;
        }

        var statuses = await Task.WhenAll(Post(), Post());

        statuses.Order().ShouldBe([HttpStatusCode.Accepted, HttpStatusCode.TooManyRequests]);
    }

    [Fact]
    public async Task a_rejected_request_is_503_and_not_processed()
    {
        await _sandbox.SetFaultsAsync(new { reject_next_requests = 1 });

        using var first = await _sandbox.Client.PostAsJsonAsync("/payments", SandboxServer.KnetRequest());
        using var second = await _sandbox.Client.PostAsJsonAsync("/payments", SandboxServer.KnetRequest());

        first.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        second.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await _sandbox.Browser.GetFromJsonAsync<JsonElement>("/_sandbox/payments")).GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task a_lost_answer_was_processed_and_the_same_key_replays_it()
    {
        await _sandbox.SetFaultsAsync(new { lose_next_responses = 1 });
        static HttpRequestMessage Request()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/payments") { Content = JsonContent.Create(SandboxServer.KnetRequest()) };
            request.Headers.Add("Cko-Idempotency-Key", "key-lost");
            return request;
        }

        using (var lost = Request())
        {
            await Should.ThrowAsync<HttpRequestException>(() => _sandbox.Client.SendAsync(lost));
        }

        using var retry = Request();
        using var response = await _sandbox.Client.SendAsync(retry);

        response.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var payments = await _sandbox.Browser.GetFromJsonAsync<JsonElement>("/_sandbox/payments");
        payments.GetArrayLength().ShouldBe(1);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()
            .ShouldBe(payments[0].GetProperty("id").GetString());
    }
}
