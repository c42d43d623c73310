using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using Payments.Host.Edge;
using Payments.Host.Payments;
using Payments.Host.RateLimits;
using Wolverine.Http;

namespace Payments.Host.Security;

/// <summary>
/// The one table of who may call what: every merchant and back-office route needs an API key with a scope; the
/// webhook endpoint is authenticated by its signature instead. Writes are rate limited per key.
/// </summary>
public static class ApiSurface
{
    public const string WritesRateLimit = "writes";

    /// <summary>(method, route) → required scope; null = no API key (authenticated otherwise or public).</summary>
    public static readonly IReadOnlyDictionary<(string Method, string Route), string?> Routes = new Dictionary<(string, string), string?>
    {
        [("POST", "/payments")] = Scopes.PaymentsWrite,
        [("GET", "/payments")] = Scopes.BackofficeRead,
        [("GET", "/payments/{id}")] = Scopes.BackofficeRead,
        [("GET", "/payments/{id}/events")] = Scopes.BackofficeRead,
        [("GET", "/payments/{id}/state")] = Scopes.BackofficeRead,
        [("POST", "/payments/{id}/refunds")] = Scopes.RefundsWrite,
        [("POST", "/payments/{id}/return")] = Scopes.PaymentsWrite,
        [("GET", "/webhooks/parked")] = Scopes.BackofficeRead,
        [("GET", "/reports/daily")] = Scopes.BackofficeRead,
        [("GET", "/operations/attention")] = Scopes.BackofficeRead,
        [("POST", "/webhooks/parked/{id}/replay")] = Scopes.OperationsAdmin,
        [("POST", "/operations/dead-letters/{id}/replay")] = Scopes.OperationsAdmin,
        [("POST", "/operations/payments/{id}/check")] = Scopes.OperationsAdmin,
        [("POST", "/operations/payments/{id}/sync")] = Scopes.OperationsAdmin,
        [("POST", "/operations/payments/{id}/settle")] = Scopes.OperationsAdmin,
        [("POST", "/operations/payments/{id}/checks/cancel")] = Scopes.OperationsAdmin,
        [("POST", "/operations/payments/{id}/review/clear")] = Scopes.OperationsAdmin,
        [("POST", "/notification-endpoints")] = Scopes.OperationsAdmin,
        [("GET", "/notification-endpoints")] = Scopes.OperationsAdmin,
        [("GET", "/notification-endpoints/{id}")] = Scopes.OperationsAdmin,
        [("DELETE", "/notification-endpoints/{id}")] = Scopes.OperationsAdmin,
        [("POST", "/notification-endpoints/{id}/rotate-secret")] = Scopes.OperationsAdmin,
        [("GET", "/notifications")] = Scopes.BackofficeRead,
        [("GET", "/notifications/{id}")] = Scopes.BackofficeRead,
        [("POST", "/notifications/{id}/redeliver")] = Scopes.OperationsAdmin,
        [("GET", "/reconciliation/{date}")] = Scopes.BackofficeRead,
        [("POST", "/reconciliation/{date}/run")] = Scopes.OperationsAdmin,
        [("POST", "/webhooks/checkout")] = null,
    };

    public static IServiceCollection AddApiSurface(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddOptions<ApiKeyOptions>().Bind(configuration.GetSection(ApiKeyOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiKeyOptions>>(new ApiKeyOptionsValidation(environment));

        services.AddAuthentication(ApiKeyHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyHandler>(ApiKeyHandler.SchemeName, null);
        services.AddAuthorization(options =>
        {
            foreach (var scope in Scopes.All)
            {
                options.AddPolicy(scope, policy => policy.RequireClaim(ApiKeyHandler.ScopeClaim, scope));
            }
        });

        // The schemas of /openapi/v1.json are generated with these options: make them say what StrictJson reads (an
        // amount is a JSON number, never "1500"). Reading numbers strictly changes nothing any answer writes.
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.NumberHandling = StrictJson.Options.NumberHandling);
        services.AddOpenApi(options => options.AddOperationTransformer(async (operation, context, cancellation) =>
        {
            // Our endpoints bind their bodies with StrictJson, not by a parameter Wolverine could see: the schema is the
            // bound type, named in ApiDocs.
            var route = "/" + context.Description.RelativePath;
            if (ApiDocs.Routes.TryGetValue((context.Description.HttpMethod ?? "", route), out var shape) && shape.Request is { } type)
            {
                var media = new Microsoft.OpenApi.OpenApiMediaType { Schema = await context.GetOrCreateSchemaAsync(type, null, cancellation) };
                if (ApiDocs.RequestExamples.TryGetValue($"{context.Description.HttpMethod} {route}", out var example))
                {
                    media.Example = System.Text.Json.Nodes.JsonNode.Parse(example);
                }

                operation.RequestBody = new Microsoft.OpenApi.OpenApiRequestBody
                {
                    Required = context.Description.HttpMethod == "POST" && route == "/payments",
                    Content = new Dictionary<string, Microsoft.OpenApi.OpenApiMediaType> { ["application/json"] = media },
                };
            }
        }));

        // Counted in PostgreSQL, so the limit holds for the fleet, not per node (docs/architecture.md, "Rate limits").
        services.AddFleetRateLimits(configuration);
        services.AddRateLimiter(options =>
        {
            options.AddPolicy(WritesRateLimit, context => FleetRateLimitSetup.Partition(context, WritesRateLimit,
                context.User.Identity?.Name ?? context.Connection.RemoteIpAddress?.ToString() ?? "anonymous"));
            options.OnRejected = async (context, cancellation) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
                    ? wait
                    : context.HttpContext.RequestServices.GetRequiredService<FleetWindows>().Options.Window;
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await Problems.Of(StatusCodes.Status429TooManyRequests, "rate_limited", "Too many requests",
                    $"Retry after {Math.Ceiling(retryAfter.TotalSeconds)} s.").ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }

    /// <summary>Applies the table to every Wolverine endpoint; a route missing from it fails at start-up.</summary>
    public static void Secure(WolverineHttpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ConfigureEndpoints(chain =>
        {
            var route = "/" + chain.RoutePattern!.RawText!.TrimStart('/');
            foreach (var method in chain.HttpMethods)
            {
                if (!Routes.TryGetValue((method, route), out var scope))
                {
                    throw new InvalidOperationException($"{method} {route} has no entry in ApiSurface.Routes: decide who may call it.");
                }

                if (scope is not null)
                {
                    chain.RequireAuthorization(scope);
                }

                if (method == "POST" && scope is Scopes.PaymentsWrite or Scopes.RefundsWrite)
                {
                    chain.RequireRateLimiting(WritesRateLimit);
                }

                if (ApiDocs.Routes.TryGetValue((method, route), out var shape))
                {
                    if (shape.Request is { } body)
                    {
                        chain.WithMetadata(new AcceptsMetadata(["application/json"], body));
                    }

                    foreach (var (status, type) in shape.Answers)
                    {
                        chain.WithMetadata(new ProducesResponseTypeMetadata(status, type,
                            type is null ? [] : [status >= 400 ? "application/problem+json" : "application/json"]));
                    }
                }
            }
        });
    }
}
