using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Payments.Host.Tests.Fixtures;

/// <summary>
/// Checkout.com as far as the host's typed client can tell: a real Kestrel server on a loopback port, so answers go
/// through the real HTTP stack and resilience pipeline. A test says what it answers; until then it answers 503
/// (Checkout.com down), as the host saw before this stub existed, when nothing listened at its base URL.
/// </summary>
public sealed class FakeCheckout : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _requests = new();
    private WebApplication? _app;
    private volatile Func<HttpContext, Task>? _answer;

    public string Url { get; private set; } = "";

    /// <summary>"METHOD /path" of every request since the last reset, in arrival order.</summary>
    public IReadOnlyList<string> Requests => [.. _requests];

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(async context =>
        {
            _requests.Enqueue($"{context.Request.Method} {context.Request.Path}");
            if (_answer is { } answer)
            {
                await answer(context);
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            }
        });
        await _app.StartAsync();
        Url = _app.Urls.Single();
    }

    /// <summary>From now on every request is answered by <paramref name="answer"/>, which writes the whole response.</summary>
    public void Answer(Func<HttpContext, Task> answer) => _answer = answer;

    /// <summary>From now on every request is answered <paramref name="status"/> with <paramref name="body"/> as JSON.</summary>
    public void AnswerJson(object body, int status = StatusCodes.Status200OK) => Answer(context =>
    {
        context.Response.StatusCode = status;
        context.Response.Headers["Cko-Request-Id"] = "0HL80RJLS76I7";
        return context.Response.WriteAsJsonAsync(body);
    });

    public void Reset()
    {
        _answer = null;
        _requests.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
