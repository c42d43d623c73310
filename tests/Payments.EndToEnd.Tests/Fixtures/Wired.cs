extern alias sandbox;

using System.Net.Http.Json;
using System.Text.Json;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Payments.Host.Tests.Fixtures;
using sandbox::Payments.Sandbox;

namespace Payments.EndToEnd.Tests.Fixtures;

/// <summary>
/// The whole thing on one machine, over real HTTP: PostgreSQL, the Checkout.com sandbox on a loopback port, and the
/// service (Program.cs, on Kestrel) pointed at it; the sandbox's webhooks go to the service's real endpoint.
/// One stack per test class, with its own schema, so classes never share state.
/// </summary>
public sealed class Wired : IAsyncDisposable
{
    public const string SecretKey = "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e";
    public const string SignatureKey = "whsec_e2e_signature_key";
    public const string WebhookAuthorization = "Bearer e2e-webhook-authorization";
    public const string Channel = "pc_aaaaaaaaaaaaaaaaaaaaaaaaaa";

    /// <summary>The documented development keys (appsettings.Development.json) and one key with no useful scope.</summary>
    public const string AdminKey = "pk_dev_admin_c57a90d2";
    public const string MerchantKey = "pk_dev_merchant_3f9c2a71";
    public const string BackofficeKey = "pk_dev_backoffice_8d41e6b0";
    public const string ScopelessKey = "pk_test_scopeless";
    public const string ShopKey = "pk_dev_shop_5e2b9c14";

    private readonly WebApplication _sandbox;
    private readonly WebApplicationFactory<Program> _service;

    private readonly IReadOnlyList<string> _environment;
    private bool _disposed;

    private Wired(WebApplication sandbox, WebApplicationFactory<Program> service, string sandboxUrl, string serviceUrl, IReadOnlyList<string> environment)
    {
        _environment = environment;
        _sandbox = sandbox;
        _service = service;
        SandboxUrl = sandboxUrl;
        ServiceUrl = serviceUrl;
        Service = ClientOf(serviceUrl, AdminKey);
        Sandbox = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(sandboxUrl) };
        Sandbox.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {SecretKey}");
    }

    /// <summary>A client of the service at <paramref name="url"/> presenting <paramref name="key"/>.</summary>
    public static HttpClient ClientOf(string url, string key)
    {
        var client = new HttpClient { BaseAddress = new Uri(url) };
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {key}");
        return client;
    }

    public string SandboxUrl { get; }
    public string ServiceUrl { get; }

    /// <summary>The merchant's client of the service.</summary>
    public HttpClient Service { get; }

    /// <summary>A client of the sandbox (its Checkout.com API, its page, its control API); no redirects followed.</summary>
    public HttpClient Sandbox { get; }

    public IDocumentStore Store => _service.Services.GetRequiredService<IDocumentStore>();

    public IServiceProvider Services => _service.Services;

    public static async Task<Wired> StartAsync(
        PostgresDatabase database, string schema, IDictionary<string, string?>? service = null, double timeScale = 60,
        bool webhooks = true, TimeSpan? pageExpiry = null, Action<IServiceCollection>? services = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        var connection = database.ConnectionString;

        var sandbox = SandboxApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Sandbox:SecretKey"] = SecretKey,
                ["Sandbox:WebhookSignatureKey"] = SignatureKey,
                ["Sandbox:WebhookAuthorization"] = WebhookAuthorization,
                ["Sandbox:TimeScale"] = timeScale.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Sandbox:RefundProcessing"] = "00:00:03",
                ["Sandbox:PageExpiry"] = (pageExpiry ?? TimeSpan.FromMinutes(7)).ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            });
            builder.Logging.ClearProviders();
        });
        await sandbox.StartAsync();
        var sandboxUrl = sandbox.Urls.Single();

        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:Payments"] = connection,
            ["EventStore:Schema"] = schema,
            ["EventStore:SchedulerPolling"] = "00:00:00.200",

            // These stacks never read the async projections (the host tests do), and JasperFx's projection coordinator
            // can throw ObjectDisposedException when a host stops moments after starting.
            ["EventStore:AsyncProjections"] = "false",
            ["Checkout:BaseUrl"] = sandboxUrl,
            ["Checkout:SecretKey"] = SecretKey,
            ["Checkout:ProcessingChannelId"] = Channel,
            ["Checkout:WebhookSignatureKey"] = SignatureKey,
            ["Checkout:WebhookAuthorization"] = WebhookAuthorization,
            ["Checkout:AttemptTimeout"] = "00:00:02",
            ["Checkout:TotalTimeout"] = "00:00:05",
            ["Checkout:MaxRetryAttempts"] = "1",
            // After the four development keys of appsettings.Development.json (an index of theirs would inherit its scopes).
            ["Auth:ApiKeys:4:Name"] = "scopeless",
            ["Auth:ApiKeys:4:Sha256"] = Payments.Host.Security.ApiKeyOptions.Hash(ScopelessKey),
            ["Payments:RequestRetryDelays:0"] = "00:00:00.300",
            ["Payments:RequestRetryDelays:1"] = "00:00:00.300",
            ["Payments:RequestRetryDelays:2"] = "00:00:00.300",
            // No proxy to leave (FleetShutdownTests covers the wait): a stack stops at once.
            ["Shutdown:ReadinessDelay"] = "00:00:00",
        };
        foreach (var (key, value) in service ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        // Program.cs reads its configuration while building: environment variables reach it first. They are
        // process-wide, so each stack removes its own when it is disposed (tests run one at a time).
        var environment = settings.Keys.Select(key => key.Replace(":", "__", StringComparison.Ordinal)).ToList();
        foreach (var (key, value) in settings)
        {
            System.Environment.SetEnvironmentVariable(key.Replace(":", "__", StringComparison.Ordinal), value);
        }

        var (factory, serviceUrl) = StartService(services);

        // A stack under test with a pool of two shares it with the fleet's agents (the leader holds one connection for
        // its lock; the others start up): the clean-up waits its turn for a connection instead of failing the class.
        var store = factory.Services.GetRequiredService<IDocumentStore>();
        var clean = store.Advanced.Clean;
        await Eventually.Until(async () =>
        {
            try
            {
                await clean.DeleteAllEventDataAsync();
                // Every document but the console's key ring: the service read it at start and keeps it, like a real
                // fleet whose nodes started before this run's first test; a node started later must find the same key.
                await using var read = store.QuerySession();
                var ring = await read.Query<Payments.Host.OperatorConsole.DataProtectionKey>().ToListAsync();
                await clean.DeleteAllDocumentsAsync();
                await using var keep = store.LightweightSession();
                keep.Store(ring.ToArray());
                await keep.SaveChangesAsync();

                return true;
            }
            catch (Npgsql.NpgsqlException e) when (e.InnerException is TimeoutException)
            {
                return false;
            }
        }, cleaned => cleaned, TimeSpan.FromSeconds(30));

        // The rate limiter's counts live in the schema too: a window a previous run used may still be current.
        await using (var session = factory.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.QueueSqlCommand($"delete from {schema}.{Payments.Host.RateLimits.FleetWindows.TableName}");
            await session.SaveChangesAsync();
        }

        // Point the sandbox's webhooks at the running service (or nowhere: every webhook lost).
        ((IConfigurationRoot)sandbox.Configuration)["Sandbox:WebhookUrl"] = webhooks ? $"{serviceUrl}/webhooks/checkout" : "";
        ((IConfigurationRoot)sandbox.Configuration).Reload();
        return new Wired(sandbox, factory, sandboxUrl, serviceUrl, environment);
    }

    /// <summary>
    /// Another node of the same service: same database, schema and configuration (the environment this stack set is
    /// still in force), its own port. Dispose it before the stack.
    /// </summary>
    public Node StartNode(Action<IServiceCollection>? services = null)
    {
        // Its configuration is the environment this stack set, which its disposal removes.
        ObjectDisposedException.ThrowIf(_disposed, this);
        var (factory, url) = StartService(services);
        return new Node(factory, url);
    }

    private static (WebApplicationFactory<Program> Factory, string Url) StartService(Action<IServiceCollection>? services)
    {
        var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.ConfigureLogging(logging => logging
                .AddFilter("Payments", LogLevel.Warning).AddFilter("Microsoft", LogLevel.Warning)
                .AddFilter("Marten", LogLevel.Critical).AddFilter("Wolverine", LogLevel.Critical)
                .AddFilter("System.Net.Http", LogLevel.Warning).AddFilter("Polly", LogLevel.Critical));
            if (services is not null)
            {
                builder.ConfigureServices(services);
            }
        });
        // An explicit loopback endpoint on a free port: UseKestrel(0) left the service on Kestrel's default
        // localhost:5000 here, so two test runs on one machine could not start at the same time.
        factory.UseKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0));
        factory.StartServer();
        var url = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.Single().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("localhost", "127.0.0.1", StringComparison.Ordinal);
        return (factory, url);
    }

    public static Dictionary<string, object?> PaymentBody(long amount = 1000, string reference = "ORD-5023-4E89") => new()
    {
        ["amount"] = amount,
        ["currency"] = "KWD",
        ["reference"] = reference,
        ["language"] = "en",
        ["userDefinedField1"] = "order 5023",
        ["successUrl"] = "https://shop.example/knet/ok",
        ["failureUrl"] = "https://shop.example/knet/fail",
        ["customer"] = new { email = "buyer@example.com", name = "Buyer" },
        ["metadata"] = new { cart = "c-42" },
    };

    /// <summary>Creates a payment through the service; returns its id and the KNET redirect link.</summary>
    public async Task<(Guid Id, string Redirect)> CreatePaymentAsync(long amount = 1000, string? returnUrl = null)
    {
        var request = PaymentBody(amount);
        if (returnUrl is not null)
        {
            request["successUrl"] = returnUrl;
            request["failureUrl"] = returnUrl;
        }

        using var response = await Service.PostAsJsonAsync("/payments", request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetGuid(), body.GetProperty("redirectUrl").GetString()!);
    }

    /// <summary>The customer on the KNET page, by real HTTP form posts: open, enter the card, confirm (or cancel).</summary>
    /// <summary>Checkout.com's signature of a webhook body with this stack's key (<c>Cko-Signature</c>).</summary>
    public static string Sign(string body) =>
        Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(SignatureKey), System.Text.Encoding.UTF8.GetBytes(body)));

    /// <summary>Posts a webhook to the service as Checkout.com would: signed, with the configured Authorization.</summary>
    public async Task<HttpResponseMessage> PostWebhookAsync(string body, string? signature = null, string? authorization = WebhookAuthorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/checkout")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Cko-Signature", signature ?? Sign(body));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await Service.SendAsync(request);
    }

    public async Task<Uri> PayOnKnetPageAsync(string redirect, string expiry = "09/2025", string pin = "1234", bool cancel = false)
    {
        var token = redirect.Split('/')[^2];
        using (var page = await Sandbox.GetAsync(redirect))
        {
            page.EnsureSuccessStatusCode();
        }

        var parts = expiry.Split('/');
        using var confirm = await Sandbox.PostAsync($"/knet-external/redirect/{token}/submit", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["bank"] = "KNET1", ["card"] = "8888880000000001", ["month"] = parts[0], ["year"] = parts[1], ["pin"] = pin,
            ["action"] = "submit",
        }));
        confirm.EnsureSuccessStatusCode();
        using var done = await Sandbox.PostAsync($"/knet-external/redirect/{token}/confirm",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["action"] = cancel ? "cancel" : "confirm" }));
        return done.Headers.Location!;
    }

    public async Task<JsonElement> GetPaymentAsync(Guid id) => await Service.GetFromJsonAsync<JsonElement>($"/payments/{id}");

    public async Task<IReadOnlyList<IEvent>> StreamAsync(Guid id)
    {
        await using var session = Store.QuerySession();
        return await session.Events.FetchStreamAsync(id);
    }

    /// <summary>Payments the sandbox (Checkout.com) holds: a second charge would show here.</summary>
    public async Task<JsonElement> CheckoutPaymentsAsync() => await Sandbox.GetFromJsonAsync<JsonElement>("/_sandbox/payments");

    public async Task SetSandboxFaultsAsync(object faults)
    {
        using var response = await Sandbox.PutAsJsonAsync("/_sandbox/faults", faults);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Waits (bounded) until the service shows the payment in <paramref name="status"/>.</summary>
    public Task<JsonElement> PaymentInAsync(Guid id, string status, TimeSpan? timeout = null) =>
        Eventually.Until(() => GetPaymentAsync(id), p => p.GetProperty("status").GetString() == status, timeout);

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        Service.Dispose();
        Sandbox.Dispose();
        await _service.DisposeAsync();
        await _sandbox.StopAsync();
        await _sandbox.DisposeAsync();
        foreach (var variable in _environment)
        {
            System.Environment.SetEnvironmentVariable(variable, null);
        }
    }
}

/// <summary>One more node of a <see cref="Wired"/> service, with a client that presents the admin key.</summary>
public sealed class Node(WebApplicationFactory<Program> factory, string url) : IAsyncDisposable
{
    public string Url { get; } = url;

    public HttpClient Client { get; } = Wired.ClientOf(url, Wired.AdminKey);

    public IServiceProvider Services => factory.Services;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await factory.DisposeAsync();
    }
}
