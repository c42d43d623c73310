extern alias sandbox;

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Payments.EndToEnd.Tests.Fixtures;
using Payments.Host.Security;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using sandbox::Payments.Sandbox;

namespace Payments.EndToEnd.Tests;

/// <summary>
/// The Wolverine code that every environment but Development loads instead of compiling it, committed under
/// src/Payments.Host/Internal/Generated (docs/architecture.md, "Generated code"): it compiles, and it is exactly what the
/// handlers and endpoints generate today. Both run the built Payments.Host.dll, as <c>scripts/codegen.sh</c> does.
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class when_wolverine_code_is_pre_generated
{
    private const string Regenerate = "scripts/codegen.sh";

    /// <summary>The script's settings: the command builds the host but needs no database.</summary>
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Development",
        ["ConnectionStrings__Payments"] = "Host=localhost;Database=payments",
    };

    private static string Committed => Path.Combine(HostProcess.RepositoryRoot, "src", "Payments.Host", "Internal", "Generated");

    private static Dictionary<string, string> Files(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText, StringComparer.Ordinal);

    [Fact]
    public async Task codegen_test_generates_and_compiles_the_code_of_every_handler_and_endpoint()
    {
        var (exitCode, _, errors) = await HostProcess.RunAsync(["codegen", "test"], Settings);

        exitCode.ShouldBe(0, string.Join('\n', errors.TakeLast(30)));
    }

    [Fact]
    public async Task the_committed_code_is_what_the_handlers_generate()
    {
        // A scratch content root with the host's own appsettings, where `codegen write` puts Internal/Generated.
        var scratch = Directory.CreateTempSubdirectory("payments-codegen-");
        try
        {
            foreach (var settings in Directory.EnumerateFiles(Path.GetDirectoryName(HostProcess.Dll)!, "appsettings*.json"))
            {
                File.Copy(settings, Path.Combine(scratch.FullName, Path.GetFileName(settings)));
            }

            var (exitCode, _, errors) = await HostProcess.RunAsync(["codegen", "write"], Settings, scratch.FullName);
            exitCode.ShouldBe(0, string.Join('\n', errors.TakeLast(30)));

            var generated = Files(Path.Combine(scratch.FullName, "Internal", "Generated"));
            var committed = Directory.Exists(Committed) ? Files(Committed) : new Dictionary<string, string>();
            var missing = generated.Keys.Except(committed.Keys).Order(StringComparer.Ordinal).ToList();
            var stale = committed.Keys.Except(generated.Keys).Order(StringComparer.Ordinal).ToList();
            var different = generated.Keys.Intersect(committed.Keys).Where(f => generated[f] != committed[f]).Order(StringComparer.Ordinal).ToList();

            generated.Count.ShouldBeGreaterThan(0);
            (missing.Count + stale.Count + different.Count).ShouldBe(0,
                $"src/Payments.Host/Internal/Generated is not the code the handlers and endpoints generate now: run {Regenerate} "
                + $"and commit the result. Not committed: [{string.Join(", ", missing)}]; no longer generated: "
                + $"[{string.Join(", ", stale)}]; different: [{string.Join(", ", different)}].");
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}

/// <summary>
/// A real Payments.Host process in Production (its Checkout.com keys and API key given by environment, as a
/// deployment gives them) serves a payment from request to refund with the pre-generated code: Wolverine says it
/// loads it, and Roslyn is never loaded into the process, so nothing was compiled. Its standard output is JSON
/// log entries only (docs/architecture.md, "Generated code").
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class when_the_service_runs_in_production(PostgresDatabase database) : IAsyncLifetime
{
    private const string Key = "pk_production_codegen_test_5b1e";
    private const string SecretKey = "sk_sbox_production_codegen_test";
    private const string SignatureKey = "whsec_production_codegen_test";

    private readonly int _port = HostProcess.FreePort();
    private WebApplication _sandbox = null!;
    private HostProcess _host = null!;
    private HttpClient _service = null!;
    private HttpClient _checkout = null!;

    public async ValueTask InitializeAsync()
    {
        _sandbox = SandboxApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Sandbox:SecretKey"] = SecretKey,
                ["Sandbox:WebhookSignatureKey"] = SignatureKey,
                ["Sandbox:WebhookUrl"] = $"http://127.0.0.1:{_port}/webhooks/checkout",
                // Long enough that the refund's own answer (Pending) is recorded before its webhook arrives.
                ["Sandbox:RefundProcessing"] = "00:00:02",
            });
            builder.Logging.ClearProviders();
        });
        await _sandbox.StartAsync();
        _checkout = new HttpClient { BaseAddress = new Uri(_sandbox.Urls.Single()) };

        _host = HostProcess.Start([], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_port}",
            ["ConnectionStrings__Payments"] = database.ConnectionString,
            ["EventStore__Schema"] = "codegen_production",
            ["EventStore__SchedulerPolling"] = "00:00:00.200",
            ["Checkout__BaseUrl"] = _sandbox.Urls.Single(),
            ["Checkout__SecretKey"] = SecretKey,
            ["Checkout__ProcessingChannelId"] = "pc_aaaaaaaaaaaaaaaaaaaaaaaaaa",
            ["Checkout__WebhookSignatureKey"] = SignatureKey,
            ["Checkout__AttemptTimeout"] = "00:00:10",
            ["Checkout__TotalTimeout"] = "00:00:30",
            ["Checkout__MaxRetryAttempts"] = "1",
            ["Auth__ApiKeys__0__Name"] = "production-test",
            ["Auth__ApiKeys__0__Sha256"] = ApiKeyOptions.Hash(Key),
            ["Auth__ApiKeys__0__Scopes__0"] = Scopes.PaymentsWrite,
            ["Auth__ApiKeys__0__Scopes__1"] = Scopes.RefundsWrite,
            ["Auth__ApiKeys__0__Scopes__2"] = Scopes.BackofficeRead,
            // No logging format given: Production's own, from appsettings.json (JSON lines with their scopes).
            // Wolverine says at start where its code comes from.
            ["Logging__LogLevel__Wolverine"] = "Information",
        });
        var url = new Uri($"http://127.0.0.1:{_port}");
        await _host.WaitUntilHealthyAsync(url, TimeSpan.FromSeconds(120));
        _service = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(60) };
        _service.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {Key}");
    }

    public async ValueTask DisposeAsync()
    {
        _service?.Dispose();
        _checkout?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await _sandbox.StopAsync();
        await _sandbox.DisposeAsync();
    }

    private static string? TraceIdOf(JsonElement entry) => entry.GetProperty("Scopes").EnumerateArray()
        .Where(scope => scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("TraceId", out _))
        .Select(scope => scope.GetProperty("TraceId").GetString()).FirstOrDefault();

    private async Task<JsonElement> PaymentAsync(Guid id) => await _service.GetFromJsonAsync<JsonElement>($"/payments/{id}");

    [Fact]
    public async Task a_payment_is_requested_captured_and_refunded_without_compiling_any_code()
    {
        using var created = await _service.PostAsJsonAsync(new Uri("/payments", UriKind.Relative), Wired.PaymentBody(1_500, "ORD-CODEGEN-1"));
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var payment = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = payment.GetProperty("id").GetGuid();
        var checkoutId = payment.GetProperty("checkoutPaymentId").GetString();

        using (var paid = await _checkout.PostAsJsonAsync(new Uri($"/_sandbox/payments/{checkoutId}/complete", UriKind.Relative), new { outcome = "captured" }))
        {
            paid.StatusCode.ShouldBe(HttpStatusCode.OK, await paid.Content.ReadAsStringAsync());
        }

        await Eventually.Until(() => PaymentAsync(id),
            p => p.GetProperty("status").GetString() == "Captured" && p.GetProperty("knet").ValueKind == JsonValueKind.Object,
            TimeSpan.FromSeconds(60));
        using (var refund = await _service.PostAsJsonAsync(new Uri($"/payments/{id}/refunds", UriKind.Relative), new { }))
        {
            refund.StatusCode.ShouldBe(HttpStatusCode.Accepted, await refund.Content.ReadAsStringAsync());
        }

        var refunded = await Eventually.Until(() => PaymentAsync(id),
            p => p.GetProperty("status").GetString() == "Refunded", TimeSpan.FromSeconds(60));
        (refunded.GetProperty("capturedAmount").GetInt64(), refunded.GetProperty("refundedAmount").GetInt64()).ShouldBe((1_500L, 1_500L));
        var events = await _service.GetFromJsonAsync<JsonElement>($"/payments/{id}/events");
        // The sandbox's payment_pending webhook can beat Checkout.com's answer to the request: the answer then records
        // its redirect link with a second payment_pending (the domain's rule, PaymentDecisionTests). Either order is right.
        var types = events.EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
        if (types.Count > 2 && types[1] == "payment_pending" && types[2] == "payment_pending")
        {
            types.RemoveAt(2);
        }

        types.ShouldBe([
            "payment_requested", "payment_pending", "payment_approved", "payment_captured", "knet_details_recorded",
            "refund_requested", "refund_pending", "refund_succeeded",
        ]);

        var messages = _host.LogMessages();
        messages.ShouldContain(m => m.StartsWith("The Wolverine code generation mode is Static with pre-generated types being loaded from Payments.Host,", StringComparison.Ordinal));
        messages.ShouldContain(m => m.StartsWith("Using pre-generated Wolverine HandlerRegistry (", StringComparison.Ordinal));
        messages.ShouldContain(m => m.StartsWith("Using pre-generated Wolverine HTTP endpoint registry (", StringComparison.Ordinal));
        // Roslyn (Microsoft.CodeAnalysis*.dll) is loaded by the first compilation; see the Development counterpart below.
        (await _host.MappedFilesAsync()).ShouldNotContain("Microsoft.CodeAnalysis");
        _host.Output.Where(line => !HostProcess.IsJsonEntry(line)).ShouldBeEmpty("every line on standard output is a JSON log entry");
        _host.Errors.ShouldBeEmpty();

        // One line per decision and per webhook, with the ids, inside the trace of the work that made it; nothing secret,
        // no card data (there is none to log) and no webhook body.
        var entries = _host.Output.Where(HostProcess.IsJsonEntry).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var decisions = entries.Where(e => e.GetProperty("Message").GetString()!.StartsWith($"Payment {id}: ", StringComparison.Ordinal)).ToList();
        var stored = entries.Count(e => e.GetProperty("Message").GetString()!.EndsWith($" for {checkoutId} stored", StringComparison.Ordinal));
        var webhooks = entries.Where(e => e.GetProperty("Message").GetString()!.Contains($" for {checkoutId} → payment {id}: ", StringComparison.Ordinal)).ToList();
        decisions.ShouldNotBeEmpty();
        stored.ShouldBeGreaterThanOrEqualTo(4);
        webhooks.Count.ShouldBe(stored, "each webhook stored is one line when it arrives and one when it is applied");
        decisions.Concat(webhooks).Select(TraceIdOf).ShouldAllBe(trace => trace != null && trace.Length == 32);
        _host.Output.ShouldAllBe(line => !line.Contains(SecretKey, StringComparison.Ordinal) && !line.Contains(SignatureKey, StringComparison.Ordinal)
                                         && !line.Contains(Key, StringComparison.Ordinal) && !line.Contains("\"metadata\"", StringComparison.Ordinal));
    }
}

/// <summary>
/// The counterpart that shows the signal above can fail: in Development Wolverine compiles generated code when it is
/// first needed, and that loads Roslyn into the process. Which code comes first is not fixed: a background job of the
/// node (the daily jobs' scheduling, the sweeper) may run a handler before any request, so the test asserts only that
/// Roslyn is there once an endpoint has answered (a CI run saw it loaded before the first request).
/// </summary>
[Collection(RealProcesses.Name)]
public sealed class when_the_service_runs_in_development(PostgresDatabase database)
{
    [Fact]
    public async Task roslyn_is_loaded_to_compile_what_it_runs()
    {
        var port = HostProcess.FreePort();
        await using var host = HostProcess.Start([], new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ConnectionStrings__Payments"] = database.ConnectionString,
            ["EventStore__Schema"] = "codegen_development",
        });
        var url = new Uri($"http://127.0.0.1:{port}");
        await host.WaitUntilHealthyAsync(url, TimeSpan.FromSeconds(120));

        using var client = Wired.ClientOf(url.ToString(), Wired.BackofficeKey);
        using var answer = await client.GetAsync(new Uri("/payments", UriKind.Relative));

        answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await host.MappedFilesAsync()).ShouldContain("Microsoft.CodeAnalysis");
    }
}
