using System.Text;
using System.Text.Json;
using Alba;
using Marten;
using Marten.Events;
using Microsoft.AspNetCore.Http;
using Payments.Domain;
using Payments.Host.Security;
using Shouldly;

namespace Payments.Host.Tests.Fixtures;

/// <summary>One answer to a raw request: status, the ProblemDetails (if any) and the text as sent.</summary>
public sealed record Answer(int Status, JsonElement Body, string Text, string? ContentType)
{
    public string? Code => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("code", out var code) ? code.GetString() : null;
    public string? Detail => Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("detail", out var d) ? d.GetString() : null;

    public IReadOnlyList<(string Field, string Code)> Errors =>
        Body.ValueKind == JsonValueKind.Object && Body.TryGetProperty("errors", out var errors)
            ? [.. errors.EnumerateArray().Select(e => (e.GetProperty("field").GetString()!, e.GetProperty("code").GetString()!))]
            : [];

    public override string ToString() => $"{Status} {Text[..Math.Min(Text.Length, 400)]}";
}

/// <summary>
/// Hostile requests against the real host: one captured payment to aim the <c>{id}</c> routes and refunds at, raw
/// requests that bypass HttpClient's own checks (any byte, header or path), and the row counts of the event and
/// document tables that prove a refused request stored nothing.
/// </summary>
public abstract class HostileInputTest(AppFixture app) : HostTest(app)
{
    /// <summary>The development admin key: every scope, so authorization never hides what the edge does.</summary>
    public const string AdminKey = "Bearer pk_dev_admin_c57a90d2";

    protected Guid Captured { get; } = Guid.CreateVersion7();

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var at = App.Clock.GetUtcNow();
        await using var session = App.Store.LightweightSession();
        session.Events.StartStream<Payment>(Captured,
            new PaymentRequested(Captured, Given.Request(), at),
            new PaymentPending(Captured, Given.CheckoutId, Given.Redirect, at),
            new PaymentCaptured(Captured, Given.CheckoutId, "act_capture", 1000, "10000", at));
        await session.SaveChangesAsync(TestContext.Current.CancellationToken);
        // The async projections (attention, daily totals) must have seen the seed, or they count as a change later.
        await App.Host.WaitForNonStaleProjectionDataAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>The documented example body of a route (ApiDocs), as JSON text.</summary>
    public static string Example(string route) => ApiDocs.RequestExamples[route];

    public static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    protected Task<Answer> Send(
        string method, string path, byte[]? body = null, string? contentType = "application/json", string query = "",
        IReadOnlyDictionary<string, string>? headers = null) =>
        App.Send(method, path, body, contentType, query, headers);

    /// <summary>Sends, and checks the exact status and code, and that no event or document row changed.</summary>
    protected async Task<Answer> Refused(
        int status, string code, string method, string path, byte[]? body = null, string? contentType = "application/json",
        string query = "")
    {
        var before = await App.Rows();
        var answer = await Send(method, path, body, contentType, query);
        answer.Status.ShouldBe(status, answer.ToString());
        answer.Code.ShouldBe(code, answer.ToString());
        answer.ContentType.ShouldNotBeNull().ShouldStartWith("application/problem+json");
        (await App.Rows()).ShouldBe(before, "the request stored something");
        return answer;
    }
}

public static class HostileRequests
{
    /// <summary>A request built on the HttpContext itself: no client validates its path, headers or body.</summary>
    public static async Task<Answer> Send(
        this AppFixture app, string method, string path, byte[]? body, string? contentType, string query,
        IReadOnlyDictionary<string, string>? headers)
    {
        ArgumentNullException.ThrowIfNull(app);
        var result = await app.Host.Scenario(x =>
        {
            x.ConfigureHttpContext(c =>
            {
                c.Request.Method = method;
                c.Request.Path = new PathString(path);
                c.Request.QueryString = new QueryString(query);
                c.Request.Headers.Authorization = HostileInputTest.AdminKey;
                if (contentType is not null)
                {
                    c.Request.ContentType = contentType;
                }

                if (body is not null)
                {
                    c.Request.Body = new MemoryStream(body);
                    c.Request.ContentLength = body.Length;
                }

                foreach (var (name, value) in headers ?? new Dictionary<string, string>())
                {
                    c.Request.Headers[name] = value;
                }
            });
            x.IgnoreStatusCode();
        });
        var text = await result.ReadAsTextAsync();
        JsonElement json = default;
        if (text.Length > 0)
        {
            try
            {
                json = JsonDocument.Parse(text).RootElement.Clone();
            }
            catch (JsonException)
            {
                // Not JSON: the status and text say enough.
            }
        }

        return new Answer(result.Context.Response.StatusCode, json, text, result.Context.Response.ContentType);
    }

    /// <summary>Row counts of the event and document tables of the test schema, as one comparable string.</summary>
    public static async Task<string> Rows(this AppFixture app)
    {
        ArgumentNullException.ThrowIfNull(app);
        await using var connection = app.Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        // Empty tables are left out: Marten creates a document table at its first query, which stores nothing.
        command.CommandText = """
            select coalesce(string_agg(name || '=' || rows, ' ' order by name), '')
            from (select table_name::text as name, (xpath('/row/c/text()', query_to_xml(
                      format('select count(*) as c from %I.%I', table_schema, table_name), false, true, '')))[1]::text::bigint as rows
                  from information_schema.tables
                  where table_schema = 'payments' and (table_name in ('mt_events', 'mt_streams') or table_name like 'mt_doc_%')) counted
            where rows > 0
            """;
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
