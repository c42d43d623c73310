using System.Globalization;
using System.Text;
using Payments.Sandbox.Api;

namespace Payments.Sandbox.Reports;

/// <summary>
/// Checkout.com's Reports API and Financial actions API, served from the sandbox's own <see cref="SettlementLedger"/>.
/// Shapes follow Checkout.com's public reference and SDK (checkout/checkout-sdk-net: <c>Reporting/Reports</c> —
/// <c>GET /reports?created_after=&amp;created_before=&amp;limit=&amp;pagination_token=</c>, <c>GET /reports/{id}</c>,
/// <c>GET /reports/{id}/files/{fileId}</c>; <c>Reporting/FinancialActions</c> — <c>GET /financial-actions?payment_id=|action_id=&amp;limit=&amp;pagination_token=</c>)
/// and the documented Financial Actions report (checkout.com/docs, "Financial actions reports"): one daily
/// <c>FinancialActions</c> report per settlement day, created when the day closes, with one CSV file.
/// </summary>
public static class ReportsApi
{
    public const string ReportType = "FinancialActions";
    public const int MaxLimit = 100;

    /// <summary>The CSV's columns, in order: a subset of the documented report's, plus the settlement day and KNET's post date.</summary>
    public static readonly string[] Columns =
    [
        "Payment ID", "Action ID", "Action Type", "Reference", "Processing Channel ID", "Requested On", "Processed On",
        "Settlement Date", "Post Date", "Breakdown Type", "Holding Currency", "Holding Currency Amount",
    ];

    private const string EntityId = "ent_sandboxsandboxsandboxsandb";
    private const string ClientId = "cli_sandboxsandboxsandboxsandb";

    public static void MapReportsApi(this WebApplication app)
    {
        var reports = app.MapGroup("/reports").AddEndpointFilter<ApiGuards>();
        reports.MapGet("", List);
        reports.MapGet("/{id}", Get);
        reports.MapGet("/{id}/files/{fileId}", File);
        app.MapGroup("/financial-actions").AddEndpointFilter<ApiGuards>().MapGet("", FinancialActions);
    }

    /// <summary>The settlement day whose report is created at <c>day + 1</c> 00:00 UTC.</summary>
    public static DateTimeOffset CreatedOn(DateOnly day) => new(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    public static string ReportId(DateOnly day) => SettlementLedger.StableId("rpt", $"report:{SettlementLedger.Day(day)}");

    public static string FileId(DateOnly day) => SettlementLedger.StableId("file", $"file:{SettlementLedger.Day(day)}");

    private static IResult List(HttpContext http, TimeProvider time, string? created_after, string? created_before, int? limit, string? pagination_token)
    {
        var now = time.GetUtcNow();
        DateTimeOffset after = now.AddDays(-30), before = now;
        var errors = new List<string>();
        if (created_after is not null && !TryInstant(created_after, out after))
        {
            errors.Add("created_after_invalid");
        }

        if (created_before is not null && !TryInstant(created_before, out before))
        {
            errors.Add("created_before_invalid");
        }

        if (limit is < 1 or > MaxLimit)
        {
            errors.Add("limit_invalid");
        }

        var offset = 0;
        if (pagination_token is not null && !TryOffset(pagination_token, out offset))
        {
            errors.Add("pagination_token_invalid");
        }

        if (errors.Count == 0 && (before < after || before - after > TimeSpan.FromDays(366) || after.Year < 2000 || before.Year > 2999))
        {
            errors.Add("created_window_invalid");
        }

        if (errors.Count > 0)
        {
            return CheckoutJson.Invalid(http, errors);
        }

        var days = new List<DateOnly>();
        for (var day = DateOnly.FromDateTime(after.UtcDateTime).AddDays(-1); CreatedOn(day) < before; day = day.AddDays(1))
        {
            if (CreatedOn(day) >= after)
            {
                days.Add(day);
            }
        }

        var take = limit ?? MaxLimit;
        var page = days.Skip(offset).Take(take).ToList();
        var baseUrl = PaymentsApi.BaseUrl(http);
        var links = new Dictionary<string, object> { ["self"] = new Link($"{baseUrl}{http.Request.Path}{http.Request.QueryString}") };
        if (offset + page.Count < days.Count)
        {
            var query = new Dictionary<string, string?>
            {
                ["created_after"] = after.ToString("O", CultureInfo.InvariantCulture),
                ["created_before"] = before.ToString("O", CultureInfo.InvariantCulture),
                ["limit"] = take.ToString(CultureInfo.InvariantCulture),
                ["pagination_token"] = Token(offset + page.Count),
            };
            links["next"] = new Link($"{baseUrl}/reports{Microsoft.AspNetCore.Http.QueryString.Create(query)}");
        }

        return CheckoutJson.Json(http, StatusCodes.Status200OK, new
        {
            count = page.Count,
            limit = take,
            data = page.Select(d => Report(baseUrl, d)),
            _links = links,
        });
    }

    private static IResult Get(HttpContext http, string id, TimeProvider time) =>
        DayOf(id, time) is { } day
            ? CheckoutJson.Json(http, StatusCodes.Status200OK, Report(PaymentsApi.BaseUrl(http), day))
            : CheckoutJson.Empty(http, StatusCodes.Status404NotFound);

    private static IResult File(HttpContext http, string id, string fileId, TimeProvider time, SettlementLedger ledger)
    {
        if (DayOf(id, time) is not { } day || fileId != FileId(day))
        {
            return CheckoutJson.Empty(http, StatusCodes.Status404NotFound);
        }

        http.Response.Headers[CheckoutJson.RequestIdHeader] = CheckoutJson.RequestId(http);
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{FileName(day)}\"";
        return Results.Text(Csv(ledger.SettledOn(day)), "text/csv; charset=utf-8", Encoding.UTF8);
    }

    private static IResult FinancialActions(
        HttpContext http, SettlementLedger ledger, string? payment_id, string? action_id, int? limit, string? pagination_token)
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(payment_id) && string.IsNullOrEmpty(action_id))
        {
            errors.Add("payment_id_or_action_id_required");
        }

        if (limit is < 1 or > MaxLimit)
        {
            errors.Add("limit_invalid");
        }

        var offset = 0;
        if (pagination_token is not null && !TryOffset(pagination_token, out offset))
        {
            errors.Add("pagination_token_invalid");
        }

        if (errors.Count > 0)
        {
            return CheckoutJson.Invalid(http, errors);
        }

        var found = ledger.Lines
            .Where(l => (string.IsNullOrEmpty(payment_id) || l.PaymentId == payment_id) && (string.IsNullOrEmpty(action_id) || l.ActionId == action_id))
            .ToList();
        var take = limit ?? MaxLimit;
        var page = found.Skip(offset).Take(take).ToList();
        var baseUrl = PaymentsApi.BaseUrl(http);
        var links = new Dictionary<string, object> { ["self"] = new Link($"{baseUrl}{http.Request.Path}{http.Request.QueryString}") };
        if (offset + page.Count < found.Count)
        {
            var query = new Dictionary<string, string?>
            {
                ["payment_id"] = string.IsNullOrEmpty(payment_id) ? null : payment_id,
                ["action_id"] = string.IsNullOrEmpty(action_id) ? null : action_id,
                ["limit"] = take.ToString(CultureInfo.InvariantCulture),
                ["pagination_token"] = Token(offset + page.Count),
            };
            links["next"] = new Link($"{baseUrl}/financial-actions{Microsoft.AspNetCore.Http.QueryString.Create(query.Where(kv => kv.Value is not null))}");
        }

        return CheckoutJson.Json(http, StatusCodes.Status200OK, new
        {
            count = page.Count,
            limit = take,
            data = page.Select(l => new
            {
                payment_id = l.PaymentId,
                action_id = l.ActionId,
                action_type = l.ActionType,
                entity_id = EntityId,
                processing_channel_id = l.ProcessingChannelId,
                reference = l.Reference,
                payment_method = "KNET",
                response_code = "10000",
                response_description = "Approved",
                requested_on = l.RequestedOn,
                processed_on = l.ProcessedOn,
                breakdown = l.Breakdown.Select(b => new
                {
                    breakdown_type = b.Type,
                    holding_currency = l.Currency,
                    holding_currency_amount = Decimal(b.Amount),
                    processing_currency = l.Currency,
                    processing_currency_amount = Decimal(b.Amount),
                    transaction_currency = l.Currency,
                    transaction_currency_amount = Decimal(b.Amount),
                }),
            }),
            _links = links,
        });
    }

    private static object Report(string baseUrl, DateOnly day)
    {
        var id = ReportId(day);
        var fileId = FileId(day);
        return new
        {
            id,
            created_on = CreatedOn(day),
            last_modified_on = CreatedOn(day),
            type = ReportType,
            description = $"Financial actions settled on {SettlementLedger.Day(day)}",
            account = new { client_id = ClientId, entity_id = EntityId },
            tags = new[] { $"settlement_date:{SettlementLedger.Day(day)}" },
            from = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
            to = CreatedOn(day),
            files = new[]
            {
                new
                {
                    id = fileId, filename = FileName(day), format = "CSV",
                    _links = new { self = new Link($"{baseUrl}/reports/{id}/files/{fileId}") },
                },
            },
            _links = new { self = new Link($"{baseUrl}/reports/{id}") },
        };
    }

    private static string FileName(DateOnly day) =>
        $"financial-actions_{EntityId}_{day.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}_1.csv";

    /// <summary>RFC 4180: a header line, then one line per breakdown line of each action; CRLF; fields quoted when needed.</summary>
    public static string Csv(IEnumerable<SettledAction> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var csv = new StringBuilder();
        csv.Append(string.Join(',', Columns)).Append("\r\n");
        foreach (var l in lines)
        {
            foreach (var b in l.Breakdown)
            {
                string[] fields =
                [
                    l.PaymentId, l.ActionId, l.ActionType, l.Reference ?? "", l.ProcessingChannelId ?? "",
                    Instant(l.RequestedOn), Instant(l.ProcessedOn), SettlementLedger.Day(l.SettledOn), l.PostDate ?? "",
                    b.Type, l.Currency, Decimal(b.Amount).ToString("0.000", CultureInfo.InvariantCulture),
                ];
                csv.Append(string.Join(',', fields.Select(Quote))).Append("\r\n");
            }
        }

        return csv.ToString();
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{field.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : field;

    private static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Minor units of a three-decimal currency (KWD) as the decimal the wire carries.</summary>
    private static decimal Decimal(long fils) => fils / 1000m;

    /// <summary>A report id names a day: looked up among the days a report can be asked for (a year back, a month ahead).</summary>
    private static DateOnly? DayOf(string id, TimeProvider time)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        for (var day = today.AddDays(-400); day <= today.AddDays(40); day = day.AddDays(1))
        {
            if (ReportId(day) == id)
            {
                return day;
            }
        }

        return null;
    }

    private static bool TryInstant(string text, out DateTimeOffset at) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out at);

    /// <summary>An opaque token: the position of the next page.</summary>
    private static string Token(int offset) =>
        "pt_" + Convert.ToBase64String(Encoding.ASCII.GetBytes(offset.ToString(CultureInfo.InvariantCulture))).TrimEnd('=');

    private static bool TryOffset(string token, out int offset)
    {
        offset = 0;
        if (!token.StartsWith("pt_", StringComparison.Ordinal))
        {
            return false;
        }

        var text = token[3..];
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        try
        {
            return int.TryParse(Encoding.ASCII.GetString(Convert.FromBase64String(text)), NumberStyles.None, CultureInfo.InvariantCulture, out offset);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
