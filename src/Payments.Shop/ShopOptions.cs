using Microsoft.Extensions.Options;

namespace Payments.Shop;

/// <summary>The section <c>Shop</c> of appsettings or environment (<c>Shop__PaymentsUrl</c>, …).</summary>
public sealed class ShopOptions
{
    public const string Section = "Shop";

    /// <summary>The payments service's base URL.</summary>
    public string PaymentsUrl { get; set; } = "";

    /// <summary>
    /// The shop's API key for the payments service: <c>payments:write</c> (create, return) and <c>backoffice:read</c>
    /// (find the order's payment by its reference). Sent only in the <c>Authorization</c> header.
    /// </summary>
    public string ApiKey { get; set; } = "";

    /// <summary>Where customers reach the shop: KNET sends them back to its receipt page under this URL.</summary>
    public string PublicUrl { get; set; } = "";
}

/// <summary>
/// Checked when the shop starts (ValidateOnStart): each failure names the setting, what is wrong, what would happen
/// and its environment form, as the service's own settings do.
/// </summary>
public sealed class ShopOptionsValidation : IValidateOptions<ShopOptions>
{
    public ValidateOptionsResult Validate(string? name, ShopOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new ValidateOptionsResultBuilder();
        void Fail(string key, string wrong, string consequence) =>
            failures.AddError($"{ShopOptions.Section}:{key} {wrong}: {consequence} (environment: {ShopOptions.Section}__{key}).");

        if (!IsHttpUrl(options.PaymentsUrl))
        {
            Fail(nameof(options.PaymentsUrl), $"is '{options.PaymentsUrl}', not an absolute http(s) URL", "no payment could be started");
        }

        if (string.IsNullOrWhiteSpace(options.ApiKey))
        {
            Fail(nameof(options.ApiKey), "is empty", "the payments service would answer every call 401");
        }

        if (!IsHttpUrl(options.PublicUrl))
        {
            Fail(nameof(options.PublicUrl), $"is '{options.PublicUrl}', not an absolute http(s) URL",
                "KNET could not send the customer back to the receipt page");
        }

        return failures.Build();
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && url.Scheme is "http" or "https";
}
