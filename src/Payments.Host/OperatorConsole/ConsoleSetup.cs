using System.Security.Claims;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Payments.Host.Configuration;
using Payments.Host.RateLimits;
using Payments.Host.Security;

namespace Payments.Host.OperatorConsole;

/// <summary>
/// The operator console under <c>/console</c>: server-rendered Razor Pages, signed in with an API key that becomes a
/// cookie session carrying the key's name and scopes (docs/architecture.md, "Operator console").
/// </summary>
public static class ConsoleSetup
{
    public const string Scheme = "Console";
    public const string PathBase = "/console";
    public const string SignInPath = PathBase + "/sign-in";

    /// <summary>The console's writes: the same fleet-wide budget per key as the API's (<c>writes</c>); reading is free.</summary>
    public const string WritesRateLimit = "console-writes";

    /// <summary>The policy of a scope for console pages: the cookie's principal must carry it.</summary>
    public static string Policy(string scope) => "console:" + scope;

    public static WebApplicationBuilder AddOperatorConsole(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = builder.AddOptionsReadBeforeStart<ConsoleOptions, ConsoleOptionsValidation>(ConsoleOptions.Section);
        var services = builder.Services;
        services.AddRazorPages(options =>
        {
            options.RootDirectory = "/OperatorConsole/Pages";
            // Every page needs a signed-in operator who may read the back office; a page or handler that acts asks for
            // its own scope on top (ConsolePageModel.MayAsync). Signing in is the one page open to all.
            options.Conventions.AuthorizeFolder("/", Policy(Scopes.BackofficeRead));
            options.Conventions.AllowAnonymousToPage("/SignIn");
            options.Conventions.AllowAnonymousToPage("/Status");
            // A refund posted from the console spends the key's write budget, as the API's refund route does.
            options.Conventions.AddPageApplicationModelConvention("/Payment",
                page => page.EndpointMetadata.Add(new Microsoft.AspNetCore.RateLimiting.EnableRateLimitingAttribute(WritesRateLimit)));
        });
        services.AddRateLimiter(options => options.AddPolicy(WritesRateLimit, context => HttpMethods.IsPost(context.Request.Method)
            ? FleetRateLimitSetup.Partition(context, ApiSurface.WritesRateLimit, context.User.Identity?.Name ?? "anonymous")
            : System.Threading.RateLimiting.RateLimitPartition.GetNoLimiter("console-read")));
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "payments-console-af";
            options.Cookie.Path = PathBase;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.FormFieldName = "__csrf";
        });

        // The one-time messages after an action (TempData) travel in a cookie of the console's own.
        services.Configure<Microsoft.AspNetCore.Mvc.CookieTempDataProviderOptions>(options =>
        {
            options.Cookie.Name = "payments-console-msg";
            options.Cookie.Path = PathBase;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        var protection = services.AddDataProtection().SetApplicationName("payments-console");
        if (settings.LoadCertificate() is { } certificate)
        {
            protection.ProtectKeysWithCertificate(certificate);
        }

        // Just before data protection's own warm-up reads the ring (and after Marten's schema is applied).
        var warmUp = services.ToList().FindIndex(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "DataProtectionHostedService");
        services.Insert(warmUp < 0 ? services.Count : warmUp, ServiceDescriptor.Singleton<IHostedService, ConsoleKeyRingWarmUp>());
        services.AddOptions<KeyManagementOptions>().Configure<IDocumentStore>((options, store) => options.XmlRepository = new ConsoleKeyRing(store));
        services.ConfigureMarten(options => options.Schema.For<DataProtectionKey>());

        services.AddAuthentication().AddCookie(Scheme, options =>
        {
            options.Cookie.Name = "payments-console";
            options.Cookie.Path = PathBase;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.ExpireTimeSpan = TimeSpan.FromHours(8);
            options.SlidingExpiration = true;
            options.LoginPath = SignInPath;
            options.AccessDeniedPath = PathBase + "/status/403";
            options.ReturnUrlParameter = "returnUrl";
            options.Events.OnRedirectToLogin = context => Refuse(context, StatusCodes.Status401Unauthorized);
            options.Events.OnRedirectToAccessDenied = context => Refuse(context, StatusCodes.Status403Forbidden);
            options.Events.OnValidatePrincipal = StillValidAsync;
        });
        services.AddAuthorization(options =>
        {
            foreach (var scope in Scopes.All)
            {
                options.AddPolicy(Policy(scope), policy => policy.AddAuthenticationSchemes(Scheme).RequireClaim(ApiKeyHandler.ScopeClaim, scope));
            }
        });
        return builder;
    }

    public static WebApplication MapOperatorConsole(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseWhen(context => context.Request.Path.StartsWithSegments(PathBase), console =>
        {
            console.Use(async (context, next) =>
            {
                // Pages of people's money: never cached, never framed, no script but our own, no referrer leaving.
                var headers = context.Response.Headers;
                // The values antiforgery sets itself on a page with a form, so every page says the same.
                headers.CacheControl = "no-cache, no-store";
                headers.Pragma = "no-cache";
                headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                await next(context);
            });
            console.UseStaticFiles(new StaticFileOptions
            {
                // Embedded, so a host started from its build output or a published folder serves the same files.
                FileProvider = new EmbeddedFileProvider(typeof(ConsoleSetup).Assembly, "Payments.Host.OperatorConsole.Assets"),
                RequestPath = PathBase + "/assets",
            });
        });
        app.MapRazorPages();
        return app;
    }

    /// <summary>
    /// A person's browser asking for a page is sent to sign in (or shown the refusal); anything else — a form post, a
    /// script — gets the bare status, so nothing is acted on by following a redirect.
    /// </summary>
    private static Task Refuse(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        var request = context.Request;
        if (HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.Ordinal))
        {
            context.Response.Redirect(status == StatusCodes.Status401Unauthorized ? context.RedirectUri : PathBase + "/status/403");
            return Task.CompletedTask;
        }

        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    /// <summary>
    /// Each request re-reads the key behind the cookie: a key removed from <c>Auth:ApiKeys</c> signs its sessions out,
    /// and a key's scopes are today's, not those it had at sign-in.
    /// </summary>
    private static async Task StillValidAsync(CookieValidatePrincipalContext context)
    {
        var keys = context.HttpContext.RequestServices.GetRequiredService<IOptionsMonitor<ApiKeyOptions>>().CurrentValue;
        var name = context.Principal?.Identity?.Name;
        var hash = context.Principal?.FindFirstValue(KeyHashClaim);
        var key = keys.ApiKeys.FirstOrDefault(k => k.Name == name && string.Equals(k.Sha256, hash, StringComparison.OrdinalIgnoreCase));
        if (key is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }

        context.ReplacePrincipal(PrincipalOf(key));
    }

    /// <summary>Which key the session was opened with (its hash, never the key), so removing the key ends the session.</summary>
    public const string KeyHashClaim = "key_sha256";

    public static ClaimsPrincipal PrincipalOf(ApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var identity = ApiKeyHandler.IdentityOf(key, Scheme);
        identity.AddClaim(new Claim(KeyHashClaim, key.Sha256.ToLowerInvariant()));
        return new ClaimsPrincipal(identity);
    }

    /// <summary>True when the signed-in operator has the scope (for showing or hiding what they may do).</summary>
    public static async Task<bool> MayAsync(this HttpContext context, string scope)
    {
        ArgumentNullException.ThrowIfNull(context);
        var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
        return (await authorization.AuthorizeAsync(context.User, Policy(scope))).Succeeded;
    }
}
