using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Payments.Sandbox.Tests.Fixtures;

/// <summary>The sandbox as it runs, on a real loopback port, with a real webhook receiver.</summary>
public sealed class SandboxServer : IAsyncDisposable
{
    public const string SecretKey = "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e";
    public const string PreviousPlatformKey = "sk_test_5d3f9a1b-2c4e-4f6a-8b7c-9d0e1f2a3b4c";
    public const string SignatureKey = "whsec_test_signature_key";
    public const string WebhookAuthorization = "Bearer webhook-secret-from-the-dashboard";
    public const string Channel = "pc_aaaaaaaaaaaaaaaaaaaaaaaaaa";

    private readonly WebApplication _app;

    private SandboxServer(WebApplication app, WebhookReceiver receiver, string url)
    {
        _app = app;
        Receiver = receiver;
        BaseUrl = url;
        Client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
        Client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {SecretKey}");
        Browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(url) };
    }

    public WebhookReceiver Receiver { get; }
    public string BaseUrl { get; }

    /// <summary>An API client carrying the secret key, as a merchant's integration does.</summary>
    public HttpClient Client { get; }

    /// <summary>A client with no credentials and no automatic redirects: the customer's browser.</summary>
    public HttpClient Browser { get; }

    public static async Task<SandboxServer> StartAsync(double timeScale = 60, IDictionary<string, string?>? settings = null)
    {
        var receiver = await WebhookReceiver.StartAsync();
        var configuration = new Dictionary<string, string?>
        {
            ["Sandbox:SecretKey"] = SecretKey,
            ["Sandbox:WebhookUrl"] = receiver.Url,
            ["Sandbox:WebhookSignatureKey"] = SignatureKey,
            ["Sandbox:WebhookAuthorization"] = WebhookAuthorization,
            ["Sandbox:TimeScale"] = timeScale.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Sandbox:SuccessExpiry"] = "09/2025",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var app = SandboxApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Logging.ClearProviders();
        });
        await app.StartAsync();
        return new SandboxServer(app, receiver, app.Urls.Single());
    }

    public static object KnetRequest(long amount = 1000, string? reference = "ORD-5023-4E89") => new Dictionary<string, object?>
    {
        ["amount"] = amount,
        ["currency"] = "KWD",
        ["reference"] = reference,
        ["processing_channel_id"] = Channel,
        ["success_url"] = "https://shop.example/knet/ok",
        ["failure_url"] = "https://shop.example/knet/fail",
        ["metadata"] = new Dictionary<string, object> { ["payment_id"] = "0193b3a0-0000-7000-8000-000000000001" },
        ["source"] = new Dictionary<string, object?> { ["type"] = "knet", ["language"] = "en" },
    };

    /// <summary>Creates a payment and returns (id, redirect link).</summary>
    public async Task<(string Id, string Redirect)> CreatePaymentAsync(long amount = 1000, string? reference = "ORD-5023-4E89")
    {
        using var response = await Client.PostAsJsonAsync("/payments", KnetRequest(amount, reference));
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("id").GetString()!, body.GetProperty("_links").GetProperty("redirect").GetProperty("href").GetString()!);
    }

    public async Task<JsonElement> GetPaymentAsync(string id)
    {
        using var response = await Client.GetAsync($"/payments/{id}");
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Decides a payment through the control API (no browser).</summary>
    public async Task CompleteAsync(string id, string outcome)
    {
        using var response = await Browser.PostAsJsonAsync($"/_sandbox/payments/{id}/complete", new { outcome });
        response.EnsureSuccessStatusCode();
    }

    public async Task SetFaultsAsync(object faults)
    {
        using var response = await Browser.PutAsJsonAsync("/_sandbox/faults", faults, new JsonSerializerOptions(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The payment's first delivery once it satisfies <paramref name="done"/> (the receiver sees a request before the sandbox records its attempt).</summary>
    public Task<JsonElement> DeliveryAsync(string paymentId, Func<JsonElement, bool> done) =>
        Eventually.Until(async () => (await DeliveriesAsync(paymentId))[0], done);

    public static bool Delivered(JsonElement delivery) => delivery.GetProperty("state").GetString() == "Delivered";

    /// <summary>Keeps the KNET page from expiring while a test compresses time for webhook retries.</summary>
    public static Dictionary<string, string?> NoPageExpiry => new() { ["Sandbox:PageExpiry"] = "3650.00:00:00" };

    public async Task<JsonElement> DeliveriesAsync(string? paymentId = null) =>
        await Browser.GetFromJsonAsync<JsonElement>($"/_sandbox/webhooks{(paymentId is null ? "" : $"?paymentId={paymentId}")}");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Browser.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Receiver.DisposeAsync();
    }
}
