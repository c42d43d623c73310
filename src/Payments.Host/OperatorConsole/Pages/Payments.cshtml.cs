using System.Globalization;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Primitives;
using Payments.Domain;
using Payments.Host.BackOffice;

namespace Payments.Host.OperatorConsole.Pages;

/// <summary>
/// <c>/console/payments</c>: the back-office list (<see cref="ListPayments"/>) behind a GET form. The form speaks KWD and
/// dates; it is translated into the API's parameters (fils, instants) and the API's query code does the rest, its
/// validation included.
/// </summary>
public sealed class PaymentsModel(IQuerySession session) : ConsolePageModel
{
    public IReadOnlyList<string> Statuses { get; private set; } = [];
    public string From { get; private set; } = "";
    public string To { get; private set; } = "";
    public string Reference { get; private set; } = "";
    public string Email { get; private set; } = "";
    public string Min { get; private set; } = "";
    public string Max { get; private set; } = "";

    /// <summary>Why the filters were not applied, said for the form's own fields.</summary>
    public string? Invalid { get; private set; }

    public PaymentPage? Listing { get; private set; }

    /// <summary>Set when this page is not the first: the link back to it.</summary>
    public bool Paged { get; private set; }

    public string? NextPage { get; private set; }

    public string FirstPage { get; private set; } = "";

    public sealed record Total(string Currency, int Count, long Amount, long Refunded);

    public IReadOnlyList<Total> Totals { get; private set; } = [];

    public static IReadOnlyList<string> AllStatuses { get; } = Enum.GetNames<PaymentStatus>();

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellation)
    {
        var query = Request.Query;
        Statuses = [.. query["status"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!)];
        From = query["from"].ToString();
        To = query["to"].ToString();
        Reference = query["reference"].ToString();
        Email = query["email"].ToString();
        Min = query["min"].ToString();
        Max = query["max"].ToString();
        Paged = query["cursor"].ToString().Length > 0;
        FirstPage = LinkWith(query, cursor: null);

        var (translated, invalid) = Translate(query);
        if (invalid is not null)
        {
            return Refuse(invalid);
        }

        var (page, refused) = await ListPayments.QueryAsync(new QueryCollection(translated), session, cancellation);
        if (refused is not null)
        {
            return Refuse($"{LabelOf(refused.Parameter)}: {refused.Expected}");
        }

        Listing = page!;
        Totals = [.. Listing.Items.GroupBy(p => p.Currency).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Total(g.Key, g.Count(), g.Sum(p => p.Amount), g.Sum(p => p.RefundedAmount)))];
        if (Listing.NextCursor is { } cursor)
        {
            NextPage = LinkWith(query, cursor);
        }

        return Page();
    }

    private PageResult Refuse(string message)
    {
        Invalid = message;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>The API's parameters for the form's, or the first field the form got wrong.</summary>
    private static (Dictionary<string, StringValues> Query, string? Invalid) Translate(IQueryCollection form)
    {
        var api = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        if (form["status"].Count > 0)
        {
            api["status"] = form["status"];
        }

        // Dates are whole UTC days; "to" includes its day, as people read a range of dates.
        foreach (var (field, parameter, label, days) in new[] { ("from", "createdFrom", "Created from", 0), ("to", "createdTo", "Created to", 1) })
        {
            if (form[field].ToString() is { Length: > 0 } text)
            {
                if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
                {
                    return (api, $"{label}: a date as yyyy-MM-dd, e.g. 2026-11-24.");
                }

                api[parameter] = date.AddDays(days).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) + "T00:00:00Z";
            }
        }

        foreach (var (field, parameter, label) in new[] { ("min", "minAmount", "Minimum amount"), ("max", "maxAmount", "Maximum amount") })
        {
            if (form[field].ToString() is { Length: > 0 } text)
            {
                if (!Kwd.TryParse(text, out var fils))
                {
                    return (api, $"{label}: an amount in KWD with at most three decimals, e.g. 1.500.");
                }

                api[parameter] = fils.ToString(CultureInfo.InvariantCulture);
            }
        }

        foreach (var (field, parameter) in new[] { ("reference", "reference"), ("email", "customerEmail"), ("cursor", "cursor"), ("limit", "limit") })
        {
            if (form[field].ToString() is { Length: > 0 } text)
            {
                api[parameter] = text;
            }
        }

        return (api, null);
    }

    private static string LabelOf(string parameter) => parameter switch
    {
        "status" => "Status",
        "reference" => "Reference",
        "customerEmail" => "Customer e-mail",
        "cursor" => "Page link",
        "limit" => "Page size",
        _ => parameter,
    };

    /// <summary>This page's filters with another page's cursor (none: the first page).</summary>
    private static string LinkWith(IQueryCollection query, string? cursor)
    {
        var pairs = query.Where(p => p.Key != "cursor")
            .SelectMany(p => p.Value.Select(v => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(v ?? "")}"));
        if (cursor is not null)
        {
            pairs = pairs.Append($"cursor={Uri.EscapeDataString(cursor)}");
        }

        return ConsoleSetup.PathBase + "/payments?" + string.Join("&", pairs);
    }
}
