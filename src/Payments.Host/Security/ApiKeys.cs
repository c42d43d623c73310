using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
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
    ];

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
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

        var sent = Encoding.ASCII.GetBytes(ApiKeyOptions.Hash(header["Bearer ".Length..].Trim()));
        var key = keys.CurrentValue.ApiKeys.FirstOrDefault(k =>
            CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(k.Sha256.ToLowerInvariant()), sent));
        if (key is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("unknown API key"));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, key.Name), .. key.Scopes.Select(s => new Claim(ScopeClaim, s))], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
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
