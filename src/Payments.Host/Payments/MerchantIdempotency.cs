using System.Security.Cryptography;
using System.Text.Json;
using Marten;
using JasperFx;

namespace Payments.Host.Payments;

/// <summary>One merchant <c>Idempotency-Key</c>: what it was used for, and the answer it got.</summary>
public sealed class IdempotencyRecord
{
    public string Id { get; set; } = "";
    public string RequestHash { get; set; } = "";
    public Guid ResourceId { get; set; }
    public int? Status { get; set; }
    public string? Body { get; set; }
    public string? Location { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public abstract record IdempotencyClaim
{
    /// <summary>First use: go ahead with this resource id, then <see cref="MerchantIdempotency.RecordAsync"/>.</summary>
    public sealed record Fresh(Guid ResourceId) : IdempotencyClaim;

    /// <summary>The same key and body again: answer what was answered.</summary>
    public sealed record Replay(IResult Answer) : IdempotencyClaim;

    /// <summary>The key was used with another body, or its first request is still running.</summary>
    public sealed record Refused(IResult Answer) : IdempotencyClaim;
}

/// <summary>
/// Merchant-facing idempotency (design decision 7): the same key and body replay the first answer; the same key with
/// another body is refused with 422 <c>idempotency_key_reused</c>. The key is claimed by inserting its record before
/// any work, so two concurrent requests with one key cannot both proceed.
/// </summary>
public static class MerchantIdempotency
{
    public const string Header = "Idempotency-Key";

    public static string Hash<T>(T request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request)));

    public static async Task<IdempotencyClaim> ClaimAsync(
        IDocumentStore store, string scope, string? key, string requestHash, Guid newResourceId, TimeProvider time,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (string.IsNullOrWhiteSpace(key))
        {
            return new IdempotencyClaim.Fresh(newResourceId);
        }

        if (key.Length > 255)
        {
            return new IdempotencyClaim.Refused(Problems.Of(StatusCodes.Status400BadRequest, "idempotency_key_invalid",
                "Idempotency-Key is at most 255 characters"));
        }

        var id = $"{scope}:{key}";
        await using (var session = store.LightweightSession())
        {
            session.Insert(new IdempotencyRecord { Id = id, RequestHash = requestHash, ResourceId = newResourceId, CreatedAt = time.GetUtcNow() });
            try
            {
                await session.SaveChangesAsync(cancellation);
                return new IdempotencyClaim.Fresh(newResourceId);
            }
            catch (DocumentAlreadyExistsException)
            {
                // Used before: decide from what it was used for.
            }
        }

        await using var query = store.QuerySession();
        var existing = await query.LoadAsync<IdempotencyRecord>(id, cancellation);
        if (existing is null || existing.RequestHash != requestHash)
        {
            return new IdempotencyClaim.Refused(Problems.Of(StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused",
                "Idempotency-Key was used with another request", $"The key '{key}' belongs to a different body."));
        }

        if (existing.Status is not { } status)
        {
            return new IdempotencyClaim.Refused(Problems.Of(StatusCodes.Status409Conflict, "idempotency_key_in_use",
                "The first request with this Idempotency-Key is still being processed", "Retry in a moment."));
        }

        return new IdempotencyClaim.Replay(new StoredJson(status, existing.Body ?? "", existing.Location));
    }

    public static async Task RecordAsync(IDocumentStore store, string scope, string? key, int status, object body, string? location,
        CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (string.IsNullOrWhiteSpace(key))
        {
            return;
        }

        await using var session = store.LightweightSession();
        var record = await session.LoadAsync<IdempotencyRecord>($"{scope}:{key}", cancellation);
        if (record is null)
        {
            return;
        }

        record.Status = status;
        record.Body = JsonSerializer.Serialize(body, JsonSerializerOptions.Web);
        record.Location = location;
        session.Update(record);
        await session.SaveChangesAsync(cancellation);
    }

    /// <summary>A remembered answer, written as it was.</summary>
    private sealed class StoredJson(int status, string body, string? location) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = status >= 400 ? "application/problem+json" : "application/json; charset=utf-8";
            if (location is not null)
            {
                httpContext.Response.Headers.Location = location;
            }

            await httpContext.Response.WriteAsync(body);
        }
    }
}
