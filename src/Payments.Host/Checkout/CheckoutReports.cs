using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Serialization;

namespace Payments.Host.Checkout;

/// <summary>One report of Checkout.com's Reports API (<c>GET /reports</c>, <c>GET /reports/{id}</c>): the fields read here.</summary>
public sealed record ReportResponse(
    string Id, string? Type, DateTimeOffset? CreatedOn, DateTimeOffset? From, DateTimeOffset? To, IReadOnlyList<ReportFile>? Files);

public sealed record ReportFile(string Id, [property: JsonPropertyName("filename")] string? FileName, string? Format);

public sealed record ReportLinks(Link? Self, Link? Next);

/// <summary><c>GET /reports</c>: a page of reports and, when there are more, <c>_links.next</c>.</summary>
public sealed record ReportListResponse(int? Count, int? Limit, IReadOnlyList<ReportResponse>? Data, [property: JsonPropertyName("_links")] ReportLinks? Links);

/// <summary>One financial action of <c>GET /financial-actions</c> (checkout-sdk-net <c>FinancialAction</c>): the fields read here.</summary>
public sealed record FinancialActionResponse(string? PaymentId, string? ActionId, string? ActionType, DateTimeOffset? ProcessedOn);

/// <summary><c>GET /financial-actions</c>: a page of financial actions.</summary>
public sealed record FinancialActionListResponse(
    int? Count, int? Limit, IReadOnlyList<FinancialActionResponse>? Data, [property: JsonPropertyName("_links")] ReportLinks? Links);

/// <summary>
/// Checkout.com's Reports API, with the payments API's key, base address and resilience pipeline (checkout-sdk-net
/// <c>Reporting/Reports/ReportsClient</c>: <c>reports</c>, <c>reports/{id}</c>, <c>reports/{id}/files/{fileId}</c>).
/// </summary>
public sealed partial class CheckoutClient
{
    /// <summary>At most this many pages of reports are followed for one window: a day has one report.</summary>
    public const int MaxReportPages = 10;

    /// <summary>The reports created in [<paramref name="after"/>, <paramref name="before"/>), every page followed.</summary>
    public async Task<CheckoutAnswer<IReadOnlyList<ReportResponse>>> ListReportsAsync(
        DateTimeOffset after, DateTimeOffset before, CancellationToken cancellation)
    {
        var reports = new List<ReportResponse>();
        var path = string.Create(CultureInfo.InvariantCulture,
            $"reports?created_after={Uri.EscapeDataString(after.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))}&created_before={Uri.EscapeDataString(before.UtcDateTime.ToString("O", CultureInfo.InvariantCulture))}&limit={SearchLimit}");
        for (var page = 0; page < MaxReportPages; page++)
        {
            switch (await SendAsync<ReportListResponse>(HttpMethod.Get, path, null, null, cancellation))
            {
                case CheckoutAnswer<ReportListResponse>.Ok { Value: var list }:
                    reports.AddRange(list.Data ?? []);
                    if (list.Links?.Next?.Href is not { } next)
                    {
                        return new CheckoutAnswer<IReadOnlyList<ReportResponse>>.Ok(reports);
                    }

                    // The next page at Checkout.com's own address, kept relative to ours (its host is the one we call).
                    path = Uri.TryCreate(next, UriKind.Absolute, out var absolute) ? absolute.PathAndQuery.TrimStart('/') : next.TrimStart('/');
                    break;
                case CheckoutAnswer<ReportListResponse>.Refused r:
                    return new CheckoutAnswer<IReadOnlyList<ReportResponse>>.Refused(r.Status, r.ErrorType, r.ErrorCodes, r.RequestId);
                case CheckoutAnswer<ReportListResponse>.Unavailable u:
                    return new CheckoutAnswer<IReadOnlyList<ReportResponse>>.Unavailable(u.Reason);
            }
        }

        return new CheckoutAnswer<IReadOnlyList<ReportResponse>>.Unavailable($"more than {MaxReportPages} pages of reports");
    }

    /// <summary>
    /// The financial actions of one action, or of a payment (the first page, <see cref="SearchLimit"/> actions: a KNET
    /// payment has one capture and a few refunds).
    /// </summary>
    public Task<CheckoutAnswer<FinancialActionListResponse>> GetFinancialActionsAsync(string checkoutPaymentId, string? actionId, CancellationToken cancellation) =>
        SendAsync<FinancialActionListResponse>(HttpMethod.Get, actionId is null
            ? $"financial-actions?payment_id={Uri.EscapeDataString(checkoutPaymentId)}&limit={SearchLimit}"
            : $"financial-actions?action_id={Uri.EscapeDataString(actionId)}&limit={SearchLimit}", null, null, cancellation);

    /// <summary>A report file's bytes (CSV), at most <paramref name="maxBytes"/>; the parser decides what they say.</summary>
    public async Task<CheckoutAnswer<byte[]>> GetReportFileAsync(string reportId, string fileId, int maxBytes, CancellationToken cancellation)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get,
            $"reports/{Uri.EscapeDataString(reportId)}/files/{Uri.EscapeDataString(fileId)}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Value.SecretKey);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellation);
            if (response.IsSuccessStatusCode)
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellation);
                using var buffer = new MemoryStream();
                var chunk = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(chunk, cancellation)) > 0)
                {
                    if (buffer.Length + read > maxBytes)
                    {
                        return new CheckoutAnswer<byte[]>.Refused((int)response.StatusCode, "report_file_too_large", [], null);
                    }

                    buffer.Write(chunk, 0, read);
                }

                return new CheckoutAnswer<byte[]>.Ok(buffer.ToArray());
            }

            return (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
                ? new CheckoutAnswer<byte[]>.Unavailable($"Checkout.com answered {(int)response.StatusCode}")
                : new CheckoutAnswer<byte[]>.Refused((int)response.StatusCode, null, [], RequestId(response));
        }
        catch (HttpRequestException e)
        {
            return new CheckoutAnswer<byte[]>.Unavailable($"no answer from Checkout.com: {e.HttpRequestError}");
        }
        catch (TaskCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new CheckoutAnswer<byte[]>.Unavailable("Checkout.com did not answer in time");
        }
        catch (Polly.Timeout.TimeoutRejectedException)
        {
            return new CheckoutAnswer<byte[]>.Unavailable("Checkout.com did not answer in time");
        }
        catch (Polly.CircuitBreaker.BrokenCircuitException)
        {
            return new CheckoutAnswer<byte[]>.Unavailable("Checkout.com keeps failing: calls are paused (circuit open)");
        }
    }
}
