using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Payments.Sandbox.Tests.Fixtures;

public sealed record ReceivedWebhook(DateTimeOffset At, byte[] Body, string? Signature, string? Authorization, string? ContentType)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    public string Type => Json.GetProperty("type").GetString()!;
    public string EventId => Json.GetProperty("id").GetString()!;
}

/// <summary>A real HTTP endpoint on loopback that records every webhook and answers what the test says.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentQueue<int> _answers = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private TimeSpan _hang;

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";
    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var receiver = new WebhookReceiver(builder.Build());
        receiver._app.MapPost("/webhooks", (Delegate)receiver.HandleAsync);
        await receiver._app.StartAsync();
        receiver.Url = receiver._app.Urls.Single() + "/webhooks";
        return receiver;
    }

    /// <summary>The next answers, in order (e.g. 500, 500, 200); 200 once they are used up.</summary>
    public void AnswerWith(params int[] statuses)
    {
        foreach (var status in statuses)
        {
            _answers.Enqueue(status);
        }
    }

    /// <summary>Hold every answer this long (to make the sandbox time out).</summary>
    public void HangFor(TimeSpan hang) => _hang = hang;

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var status = _answers.TryDequeue(out var next) ? next : 200;
        if (_hang > TimeSpan.Zero)
        {
            // A receiver that does not answer: hold the request until the sandbox gives up on it.
            var abandoned = new TaskCompletionSource();
            await using var registration = context.RequestAborted.Register(() => abandoned.TrySetResult());
            await Task.WhenAny(abandoned.Task, Task.Run(() => abandoned.Task.Wait(_hang)));
            return Results.StatusCode(200);
        }

        if (status is >= 200 and < 300)
        {
            _received.Enqueue(new ReceivedWebhook(DateTimeOffset.UtcNow, buffer.ToArray(),
                context.Request.Headers["Cko-Signature"], context.Request.Headers.Authorization, context.Request.ContentType));
            _arrived.Release();
        }

        return Results.StatusCode(status);
    }

    /// <summary>Waits until <paramref name="count"/> webhooks were accepted, or fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(int count, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        while (_received.Count < count)
        {
            try
            {
                await _arrived.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException(
                    $"Expected {count} webhooks, got {_received.Count}: {string.Join(", ", Received.Select(r => r.Type))}");
            }
        }

        return Received;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrived.Dispose();
    }
}
