using System.Security.Cryptography;
using System.Text.Json;
using JasperFx;
using Marten;
using Marten.Exceptions;
using Microsoft.Extensions.Options;
using Payments.Host.Configuration;
using Payments.Host.Edge;

namespace Payments.Host.Payments;

/// <summary>Where one merchant <c>Idempotency-Key</c> stands.</summary>
public enum IdempotencyState
{
    /// <summary>A request holds the key until its lease ends.</summary>
    InProgress,

    /// <summary>The request failed before it had an answer: the next retry runs it again.</summary>
    Released,

    /// <summary>The answer is stored: every retry gets it, byte for byte.</summary>
    Completed,
}

/// <summary>One merchant <c>Idempotency-Key</c> of one API key: what it was used for, and where its request stands.</summary>
public sealed class IdempotencyRecord
{
    /// <summary><c>{api key name}|{route}|{key}</c>: two API keys never share a key.</summary>
    public string Id { get; set; } = "";

    public string RequestHash { get; set; } = "";

    /// <summary>The payment or refund id the request works on; a re-run works on the same one.</summary>
    public Guid ResourceId { get; set; }

    public IdempotencyState State { get; set; }
    public DateTimeOffset LeaseExpiresAt { get; set; }
    public int Runs { get; set; } = 1;
    public int? Status { get; set; }
    public string? Body { get; set; }
    public string? Location { get; set; }
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>After this the key is forgotten: it may be used again for anything.</summary>
    public DateTimeOffset ExpiresAt { get; set; }
}

/// <summary>The section <c>Idempotency</c>.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Idempotency";

    /// <summary>How long a key is remembered (Checkout.com keeps its own for 24 hours).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a request may hold its key before a retry may run it again: longer than one request can take (the
    /// Checkout.com client's total timeout is 30 s by default), so a live request is never run twice at once.
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(1);
}

public sealed class IdempotencyOptionsValidation : IValidateOptions<IdempotencyOptions>
{
    public ValidateOptionsResult Validate(string? name, IdempotencyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = IdempotencyOptions.Section;
        var failures = new ValidateOptionsResultBuilder();
        failures.RequirePositive($"{S}:{nameof(options.Lease)}", options.Lease, "a retry could run again a request that is still running");
        if (options.Retention <= options.Lease)
        {
            failures.Fail($"{S}:{nameof(options.Retention)}",
                $"is {SettingRules.Show(options.Retention)}, not longer than {S}:{nameof(options.Lease)} ({SettingRules.Show(options.Lease)})",
                "a key would be forgotten while its request still holds it");
        }

        return failures.Build();
    }
}

/// <summary>An answer the merchant gets, in the form it is stored for replays.</summary>
public sealed record IdempotentAnswer(int Status, object Body, string? Location = null)
{
    public static IdempotentAnswer Problem(int status, string code, string title, string? detail = null) => new(status, new
    {
        type = $"https://tools.ietf.org/html/rfc9110#section-15.{(status >= 500 ? 6 : 5)}.{ProblemSection(status)}",
        title,
        status,
        detail,
        code,
    });

    private static int ProblemSection(int status) => status switch
    {
        400 => 1, 404 => 5, 409 => 10, 422 => 21, _ => 1,
    };
}

/// <summary>
/// What one request under a key came to, for a caller that reads it (the operator console) as well as one that sends
/// it (<see cref="Result"/>): the answer as stored — fresh or replayed, <see cref="Body"/> its JSON — on the resource it
/// was run for, or the key's own refusal (<see cref="RefusalCode"/>: in use, reused with another request).
/// </summary>
public sealed record IdempotentOutcome(Guid ResourceId, int Status, IResult Result, string? Body = null, string? RefusalCode = null);

/// <summary>
/// Merchant-facing idempotency (docs/architecture.md, "Idempotency"): the same key and body replay the first answer;
/// the same key with another body is refused with 422 <c>idempotency_key_reused</c>; a key whose request is still
/// running answers 409 <c>idempotency_key_in_use</c>. A request that failed before its answer was stored releases its
/// key (or its lease runs out, if the process died), and the retry runs the request again on the same payment or
/// refund id: every step is idempotent by those ids, Checkout.com's call included, so the retry ends with the true
/// answer instead of a stuck 409.
/// </summary>
public static class MerchantIdempotency
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 255;

    public static string Hash<T>(T request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request)));

    /// <summary>
    /// Runs <paramref name="work"/> once per key: claims the key, runs the work on the claimed resource id, stores the
    /// answer. Without a key the work simply runs on <paramref name="newResourceId"/>.
    /// </summary>
    public static async Task<IResult> RunAsync(
        HttpContext context, string scope, string requestHash, Guid newResourceId,
        Func<Guid, CancellationToken, Task<IdempotentAnswer>> work, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        var key = context.Request.Headers[Header].ToString();
        return (await RunAsync(context, key, scope, requestHash, newResourceId, work, cancellation)).Result;
    }

    /// <summary>
    /// The same with the key given rather than read from the header (the console's form carries it), answering the
    /// outcome. The key is the signed-in principal's, as the API's is.
    /// </summary>
    public static async Task<IdempotentOutcome> RunAsync(
        HttpContext context, string? key, string scope, string requestHash, Guid newResourceId,
        Func<Guid, CancellationToken, Task<IdempotentAnswer>> work, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(work);
        var services = context.RequestServices;
        var store = services.GetRequiredService<IDocumentStore>();
        var time = services.GetRequiredService<TimeProvider>();
        var options = services.GetRequiredService<IOptions<IdempotencyOptions>>().Value;
        if (string.IsNullOrEmpty(key))
        {
            return Answered(newResourceId, await work(newResourceId, cancellation));
        }

        if (key.Length > MaxKeyLength || EdgeText.Violation(key) is not null)
        {
            return Answered(newResourceId, IdempotentAnswer.Problem(StatusCodes.Status400BadRequest, "idempotency_key_invalid",
                $"Idempotency-Key is 1 to {MaxKeyLength} characters without control characters"));
        }

        var id = $"{context.User.Identity?.Name ?? "anonymous"}|{scope}|{key}";
        var claim = await ClaimAsync(store, options, id, requestHash, newResourceId, time.GetUtcNow(), cancellation);
        if (claim.Answer is { } refused)
        {
            return refused;
        }

        IdempotentAnswer answer;
        try
        {
            answer = await work(claim.ResourceId, cancellation);
            await CompleteAsync(store, id, answer, cancellation);
        }
        catch
        {
            // No answer stored: the next retry runs the request again (on the same resource) instead of waiting.
            await ReleaseAsync(store, id);
            throw;
        }

        return Answered(claim.ResourceId, answer);
    }

    private sealed record Claim(Guid ResourceId, IdempotentOutcome? Answer);

    private static async Task<Claim> ClaimAsync(
        IDocumentStore store, IdempotencyOptions options, string id, string requestHash, Guid newResourceId, DateTimeOffset now,
        CancellationToken cancellation)
    {
        var fresh = new IdempotencyRecord
        {
            Id = id, RequestHash = requestHash, ResourceId = newResourceId, State = IdempotencyState.InProgress,
            LeaseExpiresAt = now + options.Lease, CreatedAt = now, ExpiresAt = now + options.Retention,
        };
        await using (var session = store.LightweightSession())
        {
            session.Insert(fresh);
            try
            {
                await session.SaveChangesAsync(cancellation);
                return new Claim(newResourceId, null);
            }
            catch (DocumentAlreadyExistsException)
            {
                // Used before: decide from where it stands.
            }
        }

        await using var existing = store.LightweightSession();
        var record = await existing.LoadAsync<IdempotencyRecord>(id, cancellation);
        if (record is null || record.ExpiresAt <= now)
        {
            // Forgotten (or deleted meanwhile): a new request with a new resource.
            existing.Store(fresh);
            return await TakeAsync(existing, fresh, cancellation);
        }

        if (record.RequestHash != requestHash)
        {
            return new Claim(record.ResourceId, new IdempotentOutcome(record.ResourceId, StatusCodes.Status422UnprocessableEntity,
                Problems.Of(StatusCodes.Status422UnprocessableEntity, ReusedCode,
                    "Idempotency-Key was used with another request", "This key belongs to a different body."),
                RefusalCode: ReusedCode));
        }

        if (record.State == IdempotencyState.Completed)
        {
            var status = record.Status ?? 500;
            return new Claim(record.ResourceId, new IdempotentOutcome(record.ResourceId, status,
                new StoredJson(status, record.Body ?? "", record.Location), record.Body ?? ""));
        }

        if (record.State == IdempotencyState.InProgress && record.LeaseExpiresAt > now)
        {
            return InUse(record.ResourceId, record.LeaseExpiresAt - now);
        }

        // Released after a failure, or its request died with the lease: run it again on the same resource.
        record.State = IdempotencyState.InProgress;
        record.LeaseExpiresAt = now + options.Lease;
        record.Runs++;
        existing.Update(record);
        return await TakeAsync(existing, record, cancellation);
    }

    /// <summary>Saves the take-over; a concurrent retry that took it first wins and this one is told to wait.</summary>
    private static async Task<Claim> TakeAsync(IDocumentSession session, IdempotencyRecord record, CancellationToken cancellation)
    {
        try
        {
            await session.SaveChangesAsync(cancellation);
            return new Claim(record.ResourceId, null);
        }
        catch (Exception e) when (e is ConcurrencyException or DocumentAlreadyExistsException)
        {
            return InUse(record.ResourceId, TimeSpan.FromSeconds(1));
        }
    }

    private static Claim InUse(Guid resourceId, TimeSpan wait) =>
        new(resourceId, new IdempotentOutcome(resourceId, StatusCodes.Status409Conflict, new InUseAnswer(wait), RefusalCode: InUseCode));

    public const string InUseCode = "idempotency_key_in_use";
    public const string ReusedCode = "idempotency_key_reused";

    private static async Task CompleteAsync(IDocumentStore store, string id, IdempotentAnswer answer, CancellationToken cancellation)
    {
        await using var session = store.LightweightSession();
        var record = await session.LoadAsync<IdempotencyRecord>(id, cancellation);
        if (record is null)
        {
            return;
        }

        record.State = IdempotencyState.Completed;
        record.Status = answer.Status;
        record.Body = JsonSerializer.Serialize(answer.Body, JsonSerializerOptions.Web);
        record.Location = answer.Location;
        session.Update(record);
        try
        {
            await session.SaveChangesAsync(cancellation);
        }
        catch (ConcurrencyException)
        {
            // Our lease ran out and a retry runs the request again: its answer is as true as ours, and it stores it.
        }
    }

    /// <summary>Best effort: when even this fails (the database is away), the lease runs out instead.</summary>
    private static async Task ReleaseAsync(IDocumentStore store, string id)
    {
        try
        {
            await using var session = store.LightweightSession();
            var record = await session.LoadAsync<IdempotencyRecord>(id);
            if (record is { State: IdempotencyState.InProgress })
            {
                record.State = IdempotencyState.Released;
                session.Update(record);
                await session.SaveChangesAsync();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Nothing more to do here; the lease ends by itself.
        }
    }

    private static IdempotentOutcome Answered(Guid resourceId, IdempotentAnswer answer)
    {
        var body = JsonSerializer.Serialize(answer.Body, JsonSerializerOptions.Web);
        return new IdempotentOutcome(resourceId, answer.Status, new StoredJson(answer.Status, body, answer.Location), body);
    }

    /// <summary>409 with Retry-After: the first request with this key is still running.</summary>
    private sealed class InUseAnswer(TimeSpan wait) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.Headers.RetryAfter =
                Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            await Problems.Of(StatusCodes.Status409Conflict, InUseCode,
                "The first request with this Idempotency-Key is still being processed", "Retry after the Retry-After delay.")
                .ExecuteAsync(httpContext);
        }
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
