using System.Net.Http.Headers;

namespace Payments.Bench.Load;

/// <summary>Posts signed webhooks to one host over a pool of at most <paramref name="connections"/> keep-alive connections.</summary>
internal sealed class WebhookClient(Uri host, int connections) : IDisposable
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");

    private readonly HttpClient client = new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
    {
        BaseAddress = host,
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>True when the host acknowledged it (200).</summary>
    public async Task<bool> SendAsync(SignedWebhook webhook, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        using var content = new ByteArrayContent(webhook.Body);
        content.Headers.ContentType = Json;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/checkout") { Content = content };
        request.Headers.TryAddWithoutValidation("Cko-Signature", webhook.Signature);
        using var response = await client.SendAsync(request, cancellation);
        return response.IsSuccessStatusCode;
    }

    public void Dispose() => client.Dispose();
}
