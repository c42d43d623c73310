using Payments.Domain;
using Shouldly;
using static Payments.Domain.Tests.Given;

namespace Payments.Domain.Tests;

/// <summary>Every KNET request rule of checkout-knet-api.md §1, each with examples that pass and that fail.</summary>
public class KnetRulesTests
{
    private static string[] Codes(KnetPaymentRequest request) => [.. KnetRules.Validate(request).Select(e => e.Code)];

    [Fact]
    public void the_documented_example_request_is_valid()
    {
        var example = ValidRequest with
        {
            UserDefinedField1 = "first user defined field",
            UserDefinedField2 = "second user defined field",
            CardToken = "01234567",
            UserDefinedField4 = "fourth user defined field",
            Ptlf = "96033587c7b5",
        };

        KnetRules.Validate(example).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(10)]
    [InlineData(1000)]
    [InlineData(999_999_990)]
    public void amounts_in_fils_ending_in_zero_up_to_nine_digits_are_valid(long amount) =>
        Codes(ValidRequest with { Amount = amount }).ShouldBeEmpty();

    [Theory]
    [InlineData(0)]
    [InlineData(-10)]
    [InlineData(1001)]
    [InlineData(1_000_000_000)]
    public void other_amounts_are_invalid(long amount) =>
        Codes(ValidRequest with { Amount = amount }).ShouldBe(["amount_invalid"]);

    [Theory]
    [InlineData("", "currency_required")]
    [InlineData("USD", "currency_not_supported")]
    [InlineData("kwd", "currency_not_supported")]
    public void only_kwd_is_accepted(string currency, string code) =>
        Codes(ValidRequest with { Currency = currency }).ShouldBe([code]);

    [Theory]
    [InlineData("ar")]
    [InlineData("en")]
    public void language_ar_or_en_is_valid(string language) =>
        Codes(ValidRequest with { Language = language }).ShouldBeEmpty();

    [Theory]
    [InlineData(null, "source_language_required")]
    [InlineData("", "source_language_required")]
    [InlineData("fr", "source_language_invalid")]
    [InlineData("EN", "source_language_invalid")]
    public void language_is_required_and_must_be_ar_or_en(string? language, string code) =>
        Codes(ValidRequest with { Language = language }).ShouldBe([code]);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void user_defined_fields_allow_letters_digits_and_spaces_up_to_255(int field)
    {
        Codes(WithUdf(field, new string('a', 254) + "1")).ShouldBeEmpty();
        Codes(WithUdf(field, "order 42 for customer 7")).ShouldBeEmpty();
    }

    public static TheoryData<int, string> BadUserDefinedFields()
    {
        var data = new TheoryData<int, string>();
        foreach (var field in Enumerable.Range(1, 5))
        {
            foreach (var value in new[] { "a@b", "path/to", "dash-ed", "ملاحظة", new string('x', 256) })
            {
                data.Add(field, value);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BadUserDefinedFields))]
    public void user_defined_fields_reject_other_characters_and_length(int field, string value) =>
        Codes(WithUdf(field, value)).ShouldBe([$"source_user_defined_field{field}_invalid"]);

    [Fact]
    public void a_card_token_is_exactly_eight_digits()
    {
        Codes(ValidRequest with { CardToken = "12345678" }).ShouldBeEmpty();
        Codes(ValidRequest with { CardToken = "1234567" }).ShouldBe(["source_card_token_invalid"]);
        Codes(ValidRequest with { CardToken = "123456789" }).ShouldBe(["source_card_token_invalid"]);
        Codes(ValidRequest with { CardToken = "1234567a" }).ShouldBe(["source_card_token_invalid"]);
    }

    [Fact]
    public void user_defined_field3_must_be_absent_with_a_card_token()
    {
        Codes(ValidRequest with { CardToken = "12345678", UserDefinedField3 = "three" })
            .ShouldBe(["source_user_defined_field3_not_allowed"]);
        Codes(ValidRequest with { UserDefinedField3 = "three" }).ShouldBeEmpty();
    }

    [Fact]
    public void ptlf_is_up_to_45_letters_or_digits()
    {
        Codes(ValidRequest with { Ptlf = new string('9', 45) }).ShouldBeEmpty();
        Codes(ValidRequest with { Ptlf = new string('9', 46) }).ShouldBe(["source_ptlf_invalid"]);
        Codes(ValidRequest with { Ptlf = "96033587 c7b5" }).ShouldBe(["source_ptlf_invalid"]);
        Codes(ValidRequest with { Ptlf = "" }).ShouldBe(["source_ptlf_invalid"]);
    }

    [Fact]
    public void user_defined_field5_must_be_absent_with_a_ptlf()
    {
        Codes(ValidRequest with { Ptlf = "abc123", UserDefinedField5 = "five" })
            .ShouldBe(["source_user_defined_field5_not_allowed"]);
        Codes(ValidRequest with { UserDefinedField5 = "five" }).ShouldBeEmpty();
    }

    [Fact]
    public void a_reference_is_at_most_50_characters()
    {
        Codes(ValidRequest with { Reference = new string('r', 50) }).ShouldBeEmpty();
        Codes(ValidRequest with { Reference = new string('r', 51) }).ShouldBe(["reference_invalid"]);
    }

    [Fact]
    public void a_description_is_at_most_100_characters()
    {
        Codes(ValidRequest with { Description = new string('d', 100) }).ShouldBeEmpty();
        Codes(ValidRequest with { Description = new string('d', 101) }).ShouldBe(["description_invalid"]);
    }

    [Theory]
    [InlineData("https://shop.example/ok")]
    [InlineData("http://localhost:5080/knet/ok?order=7")]
    public void redirect_urls_are_absolute_http_or_https(string url) =>
        Codes(ValidRequest with { SuccessUrl = url, FailureUrl = url }).ShouldBeEmpty();

    [Theory]
    [InlineData("/relative/ok")]
    [InlineData("ftp://shop.example/ok")]
    [InlineData("javascript:alert(1)")]
    [InlineData("not a url")]
    public void other_redirect_urls_are_invalid(string url) =>
        Codes(ValidRequest with { SuccessUrl = url, FailureUrl = url }).ShouldBe(["success_url_invalid", "failure_url_invalid"]);

    [Fact]
    public void redirect_urls_are_at_most_255_characters()
    {
        var at255 = "https://shop.example/" + new string('a', 255 - 21);
        Codes(ValidRequest with { SuccessUrl = at255 }).ShouldBeEmpty();
        Codes(ValidRequest with { SuccessUrl = at255 + "a" }).ShouldBe(["success_url_invalid"]);
    }

    [Fact]
    public void metadata_holds_at_most_20_primitive_values_of_255_characters()
    {
        var twenty = Enumerable.Range(1, 20).ToDictionary(i => $"k{i}", i => MetadataValue.OfNumber(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Codes(ValidRequest with { Metadata = twenty }).ShouldBeEmpty();

        var mixed = new Dictionary<string, MetadataValue>
        {
            ["coupon"] = MetadataValue.Of("NY2018"), ["partner"] = MetadataValue.OfNumber("123989"), ["vip"] = MetadataValue.Of(true),
        };
        Codes(ValidRequest with { Metadata = mixed }).ShouldBeEmpty();

        Codes(ValidRequest with { Metadata = new Dictionary<string, MetadataValue>(twenty) { ["k21"] = MetadataValue.Of("x") } })
            .ShouldBe(["metadata_invalid"]);
        Codes(ValidRequest with { Metadata = new Dictionary<string, MetadataValue> { ["long"] = MetadataValue.Of(new string('v', 256)) } })
            .ShouldBe(["metadata_value_invalid"]);
        Codes(ValidRequest with { Metadata = new Dictionary<string, MetadataValue> { ["nested"] = MetadataValue.Unsupported("object") } })
            .ShouldBe(["metadata_value_invalid"]);
    }

    [Fact]
    public void metadata_keys_are_1_to_40_characters_as_checkout_allows()
    {
        static Dictionary<string, MetadataValue> Key(string key) => new() { [key] = MetadataValue.Of("v") };

        Codes(ValidRequest with { Metadata = Key(new string('k', 40)) }).ShouldBeEmpty();
        Codes(ValidRequest with { Metadata = Key(new string('k', 41)) }).ShouldBe(["metadata_key_invalid"]);
        Codes(ValidRequest with { Metadata = Key("") }).ShouldBe(["metadata_key_invalid"]);
        Codes(ValidRequest with { Metadata = Key("   ") }).ShouldBe(["metadata_key_invalid"]);
    }

    [Fact]
    public void a_100000_character_metadata_key_is_one_error_that_does_not_echo_the_key()
    {
        var huge = new string('k', 100_000);

        var errors = KnetRules.Validate(ValidRequest with
        {
            Metadata = new Dictionary<string, MetadataValue> { [huge] = MetadataValue.Of(new string('v', 300)), [huge + "2"] = MetadataValue.Of("v") },
        });

        errors.Select(e => (e.Field, e.Code)).ShouldBe([("metadata", "metadata_key_invalid")]);
    }

    [Fact]
    public void metadata_values_are_primitives_of_at_most_255_characters()
    {
        static string[] Value(MetadataValue value) => Codes(ValidRequest with { Metadata = new Dictionary<string, MetadataValue> { ["k"] = value } });

        Value(MetadataValue.Of(new string('v', 255))).ShouldBeEmpty();
        Value(MetadataValue.OfNumber("-12.5e3")).ShouldBeEmpty();
        Value(MetadataValue.Of(false)).ShouldBeEmpty();
        Value(MetadataValue.Of(new string('v', 256))).ShouldBe(["metadata_value_invalid"]);
        Value(MetadataValue.Unsupported("array")).ShouldBe(["metadata_value_invalid"]);
        Value(MetadataValue.Unsupported("null")).ShouldBe(["metadata_value_invalid"]);
    }

    [Fact]
    public void a_metadata_error_names_the_key_and_every_broken_field_is_reported()
    {
        var metadata = Enumerable.Range(1, 21).ToDictionary(i => $"k{i:D2}", _ => MetadataValue.Of("v"));
        metadata["k05"] = MetadataValue.Unsupported("object");

        KnetRules.Validate(ValidRequest with { Metadata = metadata }).Select(e => (e.Field, e.Code))
            .ShouldBe([("metadata", "metadata_invalid"), ("metadata.k05", "metadata_value_invalid")]);
    }

    [Fact]
    public void a_refund_request_is_a_kwd_amount_or_none_and_a_reference_of_at_most_50_characters()
    {
        static string[] Refund(long? amount, string? reference) => [.. KnetRules.ValidateRefund(amount, reference).Select(e => $"{e.Field}:{e.Code}")];

        Refund(null, null).ShouldBeEmpty();
        Refund(500, new string('r', 50)).ShouldBeEmpty();
        Refund(105, null).ShouldBe(["amount:refund_amount_invalid"]);
        Refund(0, new string('r', 51)).ShouldBe(["amount:refund_amount_invalid", "reference:refund_reference_invalid"]);
    }

    [Fact]
    public void a_customer_email_must_look_like_one()
    {
        Codes(ValidRequest with { CustomerEmail = "buyer@example.com" }).ShouldBeEmpty();
        Codes(ValidRequest with { CustomerEmail = "buyer.example.com" }).ShouldBe(["customer_email_invalid"]);
    }

    [Fact]
    public void every_broken_rule_is_reported_at_once_with_its_field()
    {
        var errors = KnetRules.Validate(ValidRequest with
        {
            Amount = 5, Currency = "USD", Language = null, CardToken = "12", UserDefinedField3 = "x", Reference = new string('r', 60),
        });

        errors.Select(e => (e.Field, e.Code)).ShouldBe([
            ("amount", "amount_invalid"), ("currency", "currency_not_supported"), ("language", "source_language_required"),
            ("cardToken", "source_card_token_invalid"), ("userDefinedField3", "source_user_defined_field3_not_allowed"),
            ("reference", "reference_invalid"),
        ]);
    }

    private static KnetPaymentRequest WithUdf(int field, string value) => field switch
    {
        1 => ValidRequest with { UserDefinedField1 = value },
        2 => ValidRequest with { UserDefinedField2 = value },
        3 => ValidRequest with { UserDefinedField3 = value },
        4 => ValidRequest with { UserDefinedField4 = value },
        _ => ValidRequest with { UserDefinedField5 = value },
    };
}

public class KwdTests
{
    [Theory]
    [InlineData(1000, "1.000 KWD")]
    [InlineData(1500, "1.500 KWD")]
    [InlineData(10, "0.010 KWD")]
    [InlineData(999_999_990, "999999.990 KWD")]
    [InlineData(-250, "-0.250 KWD")]
    public void fils_are_formatted_with_three_decimals(long fils, string text) => Kwd.Format(fils).ShouldBe(text);

    [Theory]
    [InlineData("1", 1000)]
    [InlineData("1.5", 1500)]
    [InlineData("0.500", 500)]
    [InlineData(" 12.34 ", 12340)]
    [InlineData("0.001", 1)]
    [InlineData("999999.990", 999_999_990)]
    public void dinars_people_type_are_read_as_fils(string text, long fils)
    {
        Kwd.TryParse(text, out var read).ShouldBeTrue();
        read.ShouldBe(fils);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("0.0005")]
    [InlineData("-1.000")]
    [InlineData("+1")]
    [InlineData("1,000")]
    [InlineData("1e3")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("1.000 KWD")]
    [InlineData("9999999999999")]
    [InlineData("١")]
    public void anything_but_plain_dinars_with_at_most_three_decimals_is_not_read(string text) =>
        Kwd.TryParse(text, out _).ShouldBeFalse();
}
