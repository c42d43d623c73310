using System.Globalization;
using Marten;
using Payments.Domain;
using Payments.Host.Payments;
using Wolverine.Http;

namespace Payments.Host.BackOffice;

public sealed record EventCause(string? Cause, string? CheckoutActionId, string? CorrelationId, string? CausationId);

public sealed record AuditEntry(long Sequence, long Version, string Type, DateTimeOffset Timestamp, object Data, EventCause Cause);

/// <summary><c>GET /payments/{id}/events</c>: the audit trail — every event in order, with what caused it.</summary>
public static class PaymentEvents
{
    [WolverineGet("/payments/{id}/events")]
    public static async Task<IResult> Get(string id, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!PaymentIds.TryParse(id, out var paymentId))
        {
            return Problems.NotFound(id);
        }

        return await ReadAsync(paymentId, session, cancellation) is { } trail ? Results.Ok(trail) : Problems.NotFound(paymentId);
    }

    /// <summary>Every event of the payment in order with its cause; null when there is no such payment.</summary>
    public static async Task<List<AuditEntry>?> ReadAsync(Guid paymentId, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        var events = await session.Events.FetchStreamAsync(paymentId, token: cancellation);
        return events.Count == 0
            ? null
            : [.. events.Select(e => new AuditEntry(e.Sequence, e.Version, e.EventTypeName, e.Timestamp, e.Data,
                new EventCause(Header(e.Headers, Causes.Header), Header(e.Headers, Causes.CheckoutActionHeader), e.CorrelationId, e.CausationId)))];
    }

    private static string? Header(Dictionary<string, object>? headers, string key) =>
        headers is not null && headers.TryGetValue(key, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
}

/// <summary>
/// <c>GET /payments/{id}/state?at={ISO-8601}</c> or <c>?version={n}</c>: the payment exactly as it was, folded from its
/// events up to that instant or version (Marten time travel), in the shape of <c>GET /payments/{id}</c>.
/// </summary>
public static class PaymentStateAt
{
    [WolverineGet("/payments/{id}/state")]
    public static async Task<IResult> Get(string id, string? at, string? version, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!PaymentIds.TryParse(id, out var paymentId))
        {
            return Problems.NotFound(id);
        }

        if ((at is null) == (version is null))
        {
            return Problems.Of(StatusCodes.Status400BadRequest, "state_query_invalid", "Give exactly one of at or version",
                "at is an ISO-8601 instant with an offset (2026-11-24T10:00:00Z); version is a stream version (1, 2, …).");
        }

        Payment? payment;
        if (version is not null)
        {
            if (!long.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v < 1)
            {
                return Problems.Of(StatusCodes.Status400BadRequest, "state_query_invalid", "version must be a whole number from 1");
            }

            (payment, var versions) = await AfterVersionAsync(paymentId, v, session, cancellation);
            if (v > versions)
            {
                return Problems.Of(StatusCodes.Status404NotFound, "payment_not_found", "No such version",
                    $"Payment {paymentId} has {versions} versions.");
            }
        }
        else
        {
            if (!DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant)
                || !at!.Contains('T', StringComparison.Ordinal))
            {
                return Problems.Of(StatusCodes.Status400BadRequest, "state_query_invalid", "at must be an ISO-8601 instant");
            }

            payment = await AtAsync(paymentId, instant, session, cancellation);
        }

        return payment is null
            ? Problems.Of(StatusCodes.Status404NotFound, "payment_not_found", "Payment not found at that point",
                $"Payment {paymentId} did not exist then.")
            : Results.Ok(PaymentView.Of(payment));
    }

    /// <summary>The payment as it was at an instant of the store's clock (the events' timestamps); null before it existed.</summary>
    public static Task<Payment?> AtAsync(Guid paymentId, DateTimeOffset instant, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.Events.AggregateStreamAsync<Payment>(paymentId, timestamp: instant, token: cancellation);
    }

    /// <summary>
    /// The payment right after its event <paramref name="version"/>, and how many versions it has: no payment past the
    /// last version (nor for an unknown one, which has 0).
    /// </summary>
    public static async Task<(Payment? Payment, long Versions)> AfterVersionAsync(
        Guid paymentId, long version, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(session);
        var state = await session.Events.FetchStreamStateAsync(paymentId, cancellation);
        if (state is null || version > state.Version)
        {
            return (null, state?.Version ?? 0);
        }

        return (await session.Events.AggregateStreamAsync<Payment>(paymentId, version: version, token: cancellation), state.Version);
    }
}
