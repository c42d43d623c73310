using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Tests.Fixtures;
using Shouldly;

namespace Payments.EndToEnd.Tests;

/// <summary>The auditor's questions: every change with its cause, and the payment exactly as it was at any instant.</summary>
public sealed class when_an_auditor_reads_a_payments_history(PostgresDatabase database) : IAsyncLifetime
{
    private Wired _e2e = null!;

    public async ValueTask InitializeAsync() => _e2e = await Wired.StartAsync(database, "e2e_history");

    public async ValueTask DisposeAsync() => await _e2e.DisposeAsync();

    private static string Comparable(JsonElement view) => view.GetRawText();

    [Fact]
    public async Task the_state_at_each_instant_and_version_equals_what_the_live_view_showed_then()
    {
        var (id, redirect) = await _e2e.CreatePaymentAsync();
        var seen = new List<(DateTimeOffset At, long Version, string View)>();
        async Task Remember(Func<JsonElement, bool> settled)
        {
            var view = await Eventually.Until(() => _e2e.GetPaymentAsync(id), settled);
            seen.Add((DateTimeOffset.UtcNow, view.GetProperty("version").GetInt64(), Comparable(view)));
        }

        await Remember(p => p.GetProperty("status").GetString() == "Pending");
        await _e2e.PayOnKnetPageAsync(redirect);
        await Remember(p => p.GetProperty("knet").ValueKind == JsonValueKind.Object);
        (await _e2e.Service.PostAsJsonAsync($"/payments/{id}/refunds", new { amount = 300 })).EnsureSuccessStatusCode();
        await Remember(p => p.GetProperty("refundedAmount").GetInt64() == 300);
        (await _e2e.Service.PostAsJsonAsync($"/payments/{id}/refunds", new { amount = 200 })).EnsureSuccessStatusCode();
        await Remember(p => p.GetProperty("refundedAmount").GetInt64() == 500);

        foreach (var (at, version, view) in seen)
        {
            var byTime = await _e2e.Service.GetFromJsonAsync<JsonElement>($"/payments/{id}/state?at={Uri.EscapeDataString(at.ToString("O"))}");
            var byVersion = await _e2e.Service.GetFromJsonAsync<JsonElement>($"/payments/{id}/state?version={version}");
            Comparable(byTime).ShouldBe(view, $"state at {at:O}");
            Comparable(byVersion).ShouldBe(view, $"state at version {version}");
        }
    }

    [Fact]
    public async Task the_audit_trail_lists_every_event_in_order_with_its_cause()
    {
        var (id, redirect) = await _e2e.CreatePaymentAsync();
        await _e2e.PayOnKnetPageAsync(redirect);
        await Eventually.Until(() => _e2e.GetPaymentAsync(id), p => p.GetProperty("knet").ValueKind == JsonValueKind.Object);

        var trail = await _e2e.Service.GetFromJsonAsync<JsonElement>($"/payments/{id}/events");

        var entries = trail.EnumerateArray().ToList();
        entries.Select(e => e.GetProperty("version").GetInt64()).ShouldBe(Enumerable.Range(1, entries.Count).Select(v => (long)v));
        entries[0].GetProperty("type").GetString().ShouldBe("payment_requested");
        entries[0].GetProperty("cause").GetProperty("cause").GetString()!.ShouldStartWith("http:POST /payments by admin-dev (");
        entries[0].GetProperty("data").GetProperty("request").GetProperty("amount").GetInt64().ShouldBe(1000);
        var captured = entries.Single(e => e.GetProperty("type").GetString() == "payment_captured");
        captured.GetProperty("cause").GetProperty("cause").GetString()!.ShouldStartWith("webhook:evt_");
        captured.GetProperty("cause").GetProperty("checkoutActionId").GetString()!.ShouldStartWith("act_");
        entries.Select(e => e.GetProperty("sequence").GetInt64()).ShouldBeInOrder();
    }

    [Fact]
    public async Task everything_the_service_writes_audits_clean()
    {
        var (paid, redirect) = await _e2e.CreatePaymentAsync();
        await _e2e.PayOnKnetPageAsync(redirect);
        await Eventually.Until(() => _e2e.GetPaymentAsync(paid), p => p.GetProperty("knet").ValueKind == JsonValueKind.Object);
        (await _e2e.Service.PostAsJsonAsync($"/payments/{paid}/refunds", new { amount = 400 })).EnsureSuccessStatusCode();
        (await _e2e.Service.PostAsJsonAsync($"/payments/{paid}/refunds", new { amount = 600, reference = "please decline" })).EnsureSuccessStatusCode();
        await Eventually.Until(() => _e2e.GetPaymentAsync(paid), p => p.GetProperty("refunds").EnumerateArray()
            .All(r => r.GetProperty("status").GetString() is "Succeeded" or "Declined") && p.GetProperty("refunds").GetArrayLength() == 2);
        var (canceled, cancelRedirect) = await _e2e.CreatePaymentAsync();
        await _e2e.PayOnKnetPageAsync(cancelRedirect, cancel: true);
        await _e2e.PaymentInAsync(canceled, "Canceled");

        var findings = await Payments.Host.Tooling.PaymentAudit.RunAsync(_e2e.Store, DateTimeOffset.UtcNow, TimeSpan.FromDays(1), CancellationToken.None);

        findings.ShouldBeEmpty(string.Join("; ", findings.Select(f => $"{f.Kind} v{f.Version}: {f.Detail}")));
    }

    [Theory]
    [InlineData("", HttpStatusCode.BadRequest)]
    [InlineData("?at=yesterday", HttpStatusCode.BadRequest)]
    [InlineData("?version=0", HttpStatusCode.BadRequest)]
    [InlineData("?version=abc", HttpStatusCode.BadRequest)]
    [InlineData("?version=1&at=2026-11-24T10:00:00Z", HttpStatusCode.BadRequest)]
    [InlineData("?version=99", HttpStatusCode.NotFound)]
    [InlineData("?at=2000-01-01T00:00:00Z", HttpStatusCode.NotFound)]
    public async Task bad_or_impossible_state_queries_are_clear_4xx(string query, HttpStatusCode status)
    {
        var (id, _) = await _e2e.CreatePaymentAsync();

        using var response = await _e2e.Service.GetAsync($"/payments/{id}/state{query}");

        response.StatusCode.ShouldBe(status);
        (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()
            .ShouldBeOneOf("state_query_invalid", "payment_not_found");
    }
}
