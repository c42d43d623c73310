using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Payments.Sandbox.Api;

/// <summary>An answer kept as bytes, so a replay is the same status and the same body byte for byte.</summary>
public sealed class StoredAnswer(int status, byte[] body) : IResult
{
    public int Status { get; } = status;
    public byte[] Body { get; } = body;
    public bool IsSuccess => Status is >= 200 and < 300;

    public Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = Status;
        httpContext.Response.ContentType = "application/json; charset=utf-8";
        httpContext.Response.ContentLength = Body.Length;
        return httpContext.Response.Body.WriteAsync(Body).AsTask();
    }
}

public enum IdempotencyOutcome
{
    Processed,
    Replayed,
    InProgress,
}

/// <summary>
/// <c>Cko-Idempotency-Key</c> (§5): the key is taken before processing starts; a repeat within the retention replays
/// the first 2xx answer; a repeat while the first is still being processed is told so (429); a 4xx/5xx is not kept,
/// so the request may be retried. Scoped per endpoint and key.
/// </summary>
public sealed class IdempotencyStore(TimeProvider time, IOptions<SandboxOptions> options)
{
    private sealed record Entry(DateTimeOffset CreatedOn, StoredAnswer? Answer);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<(IdempotencyOutcome Outcome, object? Result)> RunAsync(string scope, string key, Func<Task<object?>> process)
    {
        ArgumentNullException.ThrowIfNull(process);
        var id = $"{scope}\n{key}";
        var now = time.GetUtcNow();
        var mine = new Entry(now, null);
        while (true)
        {
            var existing = _entries.GetOrAdd(id, mine);
            if (ReferenceEquals(existing, mine))
            {
                break;
            }

            if (existing.CreatedOn + options.Value.IdempotencyRetention <= now)
            {
                _entries.TryRemove(KeyValuePair.Create(id, existing));
                continue;
            }

            return existing.Answer is { } stored ? (IdempotencyOutcome.Replayed, stored) : (IdempotencyOutcome.InProgress, null);
        }

        try
        {
            var result = await process();
            if (result is StoredAnswer { IsSuccess: true } answer)
            {
                _entries[id] = mine with { Answer = answer };
            }
            else
            {
                _entries.TryRemove(id, out _);
            }

            return (IdempotencyOutcome.Processed, result);
        }
        catch
        {
            _entries.TryRemove(id, out _);
            throw;
        }
    }
}
