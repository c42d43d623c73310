using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Payments.Testing;

/// <summary>One POST the receiver got: the headers that matter, the body as sent, and what it answered.</summary>
public sealed record ReceivedNotification(string? Id, string? Timestamp, string? Signature, string? ContentType, string Body, int Answered)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();
    public string Type => Json.GetProperty("type").GetString()!;
    public Guid PaymentId => Json.GetProperty("data").GetProperty("id").GetGuid();
}

/// <summary>
/// The merchant's system: a real Kestrel server on a loopback port that records every notification posted to it and
/// answers 200, or 500 while told to fail. Shared by the test projects as a linked file.
/// </summary>
public sealed class NotificationReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedNotification> _received = new();
    private WebApplication? _app;
    private volatile int _failuresLeft;

    public string Url { get; private set; } = "";

    /// <summary>Every POST in arrival order, failed ones included.</summary>
    public IReadOnlyList<ReceivedNotification> Received => [.. _received];

    /// <summary>The POSTs answered 200, in arrival order.</summary>
    public IReadOnlyList<ReceivedNotification> Accepted => [.. _received.Where(r => r.Answered == StatusCodes.Status200OK)];

    public static async Task<NotificationReceiver> StartAsync()
    {
        var receiver = new NotificationReceiver();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        receiver._app = builder.Build();
        receiver._app.Run(receiver.ReceiveAsync);
        await receiver._app.StartAsync();
        receiver.Url = receiver._app.Urls.Single() + "/hooks/payments";
        return receiver;
    }

    /// <summary>The next <paramref name="count"/> POSTs are answered 500 (int.MaxValue: until <see cref="Recover"/>).</summary>
    public void FailNext(int count) => _failuresLeft = count;

    public void Recover() => _failuresLeft = 0;

    private volatile TaskCompletionSource _gate = Open();

    private static TaskCompletionSource Open()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    /// <summary>From now on each POST waits, unanswered, until <see cref="Release"/>: a delivery held in flight.</summary>
    public void Hold() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _gate.TrySetResult();

    private async Task ReceiveAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        await _gate.Task;
        var fail = _failuresLeft > 0;
        if (fail && _failuresLeft != int.MaxValue)
        {
            Interlocked.Decrement(ref _failuresLeft);
        }

        var status = fail ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
        _received.Enqueue(new ReceivedNotification(
            context.Request.Headers["Payments-Notification-Id"], context.Request.Headers["Payments-Timestamp"],
            context.Request.Headers["Payments-Signature"], context.Request.ContentType, body, status));
        context.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
