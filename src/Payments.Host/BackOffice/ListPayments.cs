using System.Globalization;
using System.Text;
using Marten;
using Payments.Domain;
using Payments.Host.Edge;
using Payments.Host.Payments;
using Wolverine.Http;

namespace Payments.Host.BackOffice;

public sealed record PaymentListItem(
    Guid Id, string Status, long Amount, string Currency, string? Reference, string? CheckoutPaymentId,
    string? CustomerEmail, long RefundedAmount, bool NeedsReview, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

public sealed record PaymentPage(IReadOnlyList<PaymentListItem> Items, string? NextCursor);

/// <summary>A list parameter that cannot be taken: which, what it should be, and the field error when its text was refused.</summary>
public sealed record InvalidListQuery(string Parameter, string Expected, FieldError? Error = null)
{
    public IResult Problem() => Problems.Of(StatusCodes.Status400BadRequest, "list_query_invalid", $"{Parameter} is not valid",
        Expected, errors: Error is null ? null : [Error]);
}

/// <summary>
/// <c>GET /payments?status=…&amp;status=…&amp;createdFrom&amp;createdTo&amp;reference&amp;customerEmail&amp;minAmount&amp;maxAmount&amp;checkoutPaymentId&amp;limit&amp;cursor</c>:
/// newest first, keyset-paged on the payment id. Ids are UUIDv7 (time-ordered), so a payment created while someone
/// pages sorts before their cursor and never shifts a later page. Filters use indexed columns.
/// </summary>
public static class ListPayments
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    [WolverineGet("/payments")]
    public static async Task<IResult> Get(HttpRequest request, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (page, invalid) = await QueryAsync(request.Query, session, cancellation);
        return invalid is null ? Results.Ok(page) : invalid.Problem();
    }

    /// <summary>
    /// One page for the parameters of <c>GET /payments</c>, or what is wrong with them. The operator console calls this
    /// too, with its form translated into these parameters.
    /// </summary>
    public static async Task<(PaymentPage? Page, InvalidListQuery? Invalid)> QueryAsync(
        IQueryCollection query, IQuerySession session, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(session);
        var where = new List<string>();
        var parameters = new List<object>();
        static (PaymentPage?, InvalidListQuery?) Invalid(string parameter, string expected) => (null, new InvalidListQuery(parameter, expected));

        var statuses = query["status"].Where(s => !string.IsNullOrEmpty(s)).ToArray();
        foreach (var status in statuses)
        {
            if (!Enum.TryParse<PaymentStatus>(status, ignoreCase: false, out _) || int.TryParse(status, out _))
            {
                return Invalid("status", $"One of: {string.Join(", ", Enum.GetNames<PaymentStatus>())}.");
            }
        }

        if (statuses.Length > 0)
        {
            where.Add("d.status = ANY(?)");
            parameters.Add(statuses);
        }

        foreach (var (name, column, op) in new[] { ("createdFrom", "d.requested_at", ">="), ("createdTo", "d.requested_at", "<") })
        {
            if (query[name].ToString() is { Length: > 0 } text)
            {
                if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant) || !text.Contains('T', StringComparison.Ordinal))
                {
                    return Invalid(name, "An ISO-8601 instant with an offset, e.g. 2026-11-24T00:00:00Z.");
                }

                where.Add($"{column} {op} ?");
                parameters.Add(instant);
            }
        }

        foreach (var (name, column) in new[] { ("reference", "d.reference"), ("customerEmail", "d.request_customer_email"), ("checkoutPaymentId", "d.checkout_payment_id") })
        {
            if (query[name].ToString() is { Length: > 0 } text)
            {
                // The only filters that reach SQL as text: PostgreSQL cannot take U+0000 (docs/architecture.md, "Hostile input").
                if (EdgeText.Check(name, text) is { } error)
                {
                    return (null, new InvalidListQuery(name, error.Message, error));
                }

                if (text.Length > 255)
                {
                    return Invalid(name, "At most 255 characters.");
                }

                where.Add($"{column} = ?");
                parameters.Add(text);
            }
        }

        foreach (var (name, op) in new[] { ("minAmount", ">="), ("maxAmount", "<=") })
        {
            if (query[name].ToString() is { Length: > 0 } text)
            {
                if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var fils))
                {
                    return Invalid(name, "A whole number of fils.");
                }

                where.Add($"d.amount {op} ?");
                parameters.Add(fils);
            }
        }

        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
        {
            return Invalid("limit", $"From 1 to {MaxLimit}.");
        }

        if (query["cursor"].ToString() is { Length: > 0 } cursorText)
        {
            if (Cursor.Read(cursorText) is not { } after)
            {
                return Invalid("cursor", "Pass back the nextCursor of the previous page unchanged.");
            }

            where.Add("d.id < ?");
            parameters.Add(after);
        }

        var sql = $"{(where.Count == 0 ? "" : "where " + string.Join(" and ", where))} order by d.id desc limit {limit + 1}";
        var page = await session.QueryAsync<Payment>(sql, cancellation, [.. parameters]);
        var items = page.Take(limit).Select(p => new PaymentListItem(
            p.Id, p.Status.ToString(), p.Amount, p.Currency, p.Reference, p.CheckoutPaymentId, p.Request.CustomerEmail,
            p.RefundedAmount, p.NeedsReview, p.RequestedAt, p.UpdatedAt)).ToList();
        return (new PaymentPage(items, page.Count > limit ? Cursor.Write(items[^1].Id) : null), null);
    }

    /// <summary>Opaque to clients: base64url of the last id of a page.</summary>
    public static class Cursor
    {
        public static string Write(Guid id) => Convert.ToBase64String(Encoding.ASCII.GetBytes($"p1:{id:N}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

        public static Guid? Read(string cursor)
        {
            ArgumentNullException.ThrowIfNull(cursor);
            try
            {
                var padded = cursor.Replace('-', '+').Replace('_', '/');
                padded += new string('=', (4 - (padded.Length % 4)) % 4);
                var text = Encoding.ASCII.GetString(Convert.FromBase64String(padded));
                return text.StartsWith("p1:", StringComparison.Ordinal) && Guid.TryParseExact(text[3..], "N", out var id) ? id : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
    }
}
