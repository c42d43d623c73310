using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Payments.Sandbox.Api;

/// <summary>An answer to store and write: the status and the exact JSON bytes.</summary>
public sealed record ApiAnswer(int Status, byte[] Body)
{
    public bool IsSuccess => Status is >= 200 and < 300;
}

/// <summary>
/// <c>Cko-Idempotency-Key</c> (§5): a repeat within the retention replays the first 2xx answer byte for byte; a
/// repeat while the first is still being processed gets 429; a 4xx/5xx is not kept, so the request may be retried.
/// Scoped per endpoint and key.
/// </summary>
public sealed class IdempotencyStore(TimeProvider time, IOptions<SandboxOptions> options)
{
    private sealed record Entry(DateTimeOffset CreatedOn, ApiAnswer? Answer);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<(ApiAnswer Answer, bool Replayed, bool InProgress)> RunAsync(
        string scope, string? key, Func<Task<ApiAnswer>> process)
    {
        ArgumentNullException.ThrowIfNull(process);
        if (string.IsNullOrWhiteSpace(key))
        {
            return (await process(), false, false);
        }

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

            return existing.Answer is { } stored ? (stored, true, false) : (new ApiAnswer(StatusCodes.Status429TooManyRequests, []), false, true);
        }

        try
        {
            var answer = await process();
            if (answer.IsSuccess)
            {
                _entries[id] = mine with { Answer = answer };
            }
            else
            {
                _entries.TryRemove(id, out _);
            }

            return (answer, false, false);
        }
        catch
        {
            _entries.TryRemove(id, out _);
            throw;
        }
    }
}
