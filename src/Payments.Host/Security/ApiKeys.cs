using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Payments.Host.Configuration;
using Payments.Host.Payments;

namespace Payments.Host.Security;

public static class Scopes
{
    public const string PaymentsWrite = "payments:write";
    public const string RefundsWrite = "refunds:write";
    public const string BackofficeRead = "backoffice:read";
    public const string OperationsAdmin = "operations:admin";

    public static readonly string[] All = [PaymentsWrite, RefundsWrite, BackofficeRead, OperationsAdmin];
}

/// <summary>One API key as configured: its name, the SHA-256 (hex) of the key — never the key — and its scopes.</summary>
public sealed class ApiKey
{
    public string Name { get; set; } = "";
    public string Sha256 { get; set; } = "";
    public List<string> Scopes { get; set; } = [];
}

/// <summary>The section <c>Auth</c>: the keys this service accepts.</summary>
public sealed class ApiKeyOptions
{
    public const string Section = "Auth";

    public List<ApiKey> ApiKeys { get; set; } = [];

    /// <summary>The documented development keys (README): refused when the environment is Production.</summary>
    public static readonly string[] DevelopmentKeyHashes =
    [
        "5c4d5cb75de3f428541c20e839934f335fdd8ce8f7134a84ad67a274d5381b91",
        "98e71492fcd48cdd4ef114bdce6bb52f9b6423b2ba116a16b8247c4ce9205fec",
        "66a6efba22a5dcf71849c9b9ffbf116d119448ffd885feaa9c5aec3866868944",
        "1175171517094adf2ff47d6d01f7057027f29e0c9b43e1084832bbfd9581fe48",
    ];

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>The configured key whose hash is the presented key's, compared in constant time; null when none is.</summary>
    public ApiKey? Find(string presented)
    {
        var sent = Encoding.ASCII.GetBytes(Hash(presented));
        return ApiKeys.FirstOrDefault(k => CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(k.Sha256.ToLowerInvariant()), sent));
    }
}

/// <summary>
/// The keys are checked at start (ValidateOnStart): a key that could never match, a scope that does not exist or two
/// keys sharing a name would otherwise show up only as 401s and 403s, or as one key's idempotency keys and rate limit
/// served to another (both are kept by key name). The documented development keys are refused in Production.
/// </summary>
public sealed class ApiKeyOptionsValidation(IHostEnvironment environment) : IValidateOptions<ApiKeyOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiKeyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = ApiKeyOptions.Section;
        var failures = new ValidateOptionsResultBuilder();
        if (options.ApiKeys.Count == 0)
        {
            // A list: its environment form names the first entry's fields.
            failures.AddError($"{S}:ApiKeys is empty: every merchant and back-office call would be answered 401 "
                              + $"(environment: {S}__ApiKeys__0__Name, {S}__ApiKeys__0__Sha256, {S}__ApiKeys__0__Scopes__0, …).");
        }

        for (var i = 0; i < options.ApiKeys.Count; i++)
        {
            var key = options.ApiKeys[i];
            var at = $"{S}:{nameof(options.ApiKeys)}:{i}";
            failures.RequireValue($"{at}:{nameof(key.Name)}", key.Name, "its requests would have no name for the rate limits, idempotency keys and audit");
            var first = options.ApiKeys.FindIndex(k => k.Name == key.Name);
            if (!string.IsNullOrWhiteSpace(key.Name) && first < i)
            {
                failures.Fail($"{at}:{nameof(key.Name)}", $"is '{key.Name}', the name of {S}:{nameof(options.ApiKeys)}:{first} too",
                    "the two keys would share their idempotency keys and their rate limit");
            }

            // The value is never repeated: a key pasted here instead of its hash would be printed.
            if (key.Sha256.Length != 64 || !key.Sha256.All(char.IsAsciiHexDigit))
            {
                failures.Fail($"{at}:{nameof(key.Sha256)}", "is not a SHA-256 in 64 hexadecimal digits",
                    "no key would ever match it; hash one with printf %s \"$KEY\" | sha256sum");
            }
            else if (environment.IsProduction() && ApiKeyOptions.DevelopmentKeyHashes.Contains(key.Sha256.ToLowerInvariant()))
            {
                failures.Fail($"{at}:{nameof(key.Sha256)}", "is a documented development key, refused in Production",
                    "anyone who read the README could call the service");
            }

            for (var j = 0; j < key.Scopes.Count; j++)
            {
                if (!Scopes.All.Contains(key.Scopes[j]))
                {
                    failures.Fail($"{at}:{nameof(key.Scopes)}:{j}", $"is '{key.Scopes[j]}', not one of {string.Join(", ", Scopes.All)}",
                        "the key would get 403 wherever it needs the scope meant");
                }
            }
        }

        return failures.Build();
    }
}

/// <summary>
/// <c>Authorization: Bearer &lt;api key&gt;</c>: the key is hashed and compared in constant time with the configured
/// hashes; the principal carries the key's name and scopes. 401 without a valid key, 403 without the scope, both as
/// ProblemDetails with a stable code. Keys are never logged.
/// </summary>
public sealed class ApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IOptionsMonitor<ApiKeyOptions> keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string ScopeClaim = "scope";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var key = keys.CurrentValue.Find(header["Bearer ".Length..].Trim());
        if (key is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("unknown API key"));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(IdentityOf(key, SchemeName)), SchemeName)));
    }

    /// <summary>The principal of a key, for this scheme and the console's cookie alike: its name and its scopes.</summary>
    public static ClaimsIdentity IdentityOf(ApiKey key, string scheme)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new ClaimsIdentity([new Claim(ClaimTypes.Name, key.Name), .. key.Scopes.Select(s => new Claim(ScopeClaim, s))], scheme);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        var missing = !Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.Ordinal);
        await Problems.Of(StatusCodes.Status401Unauthorized, missing ? "api_key_missing" : "api_key_invalid",
            missing ? "An API key is required" : "The API key is not valid",
            "Send Authorization: Bearer <api key>.").ExecuteAsync(Context);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await Problems.Of(StatusCodes.Status403Forbidden, "scope_missing", "The API key lacks the scope this route needs",
            $"Required: {string.Join(", ", Context.GetEndpoint()?.Metadata.GetOrderedMetadata<Microsoft.AspNetCore.Authorization.IAuthorizeData>().Select(a => a.Policy) ?? [])}.")
            .ExecuteAsync(Context);
}
