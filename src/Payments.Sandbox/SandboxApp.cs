using Microsoft.Extensions.Options;
using Payments.Sandbox.Api;
using Payments.Sandbox.Control;
using Payments.Sandbox.Knet;
using Payments.Sandbox.Reports;
using Payments.Sandbox.Webhooks;

namespace Payments.Sandbox;

/// <summary>Composition of the sandbox; tests build it the same way and run it on a real port.</summary>
public static class SandboxApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.AddOptions<SandboxOptions>().Bind(builder.Configuration.GetSection(SandboxOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SandboxOptions>, SandboxOptionsValidation>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PaymentStore>();
        builder.Services.AddSingleton<IdempotencyStore>();
        builder.Services.AddSingleton<FaultState>();
        builder.Services.AddSingleton<SandboxTimers>();
        builder.Services.AddSingleton<WebhookDispatcher>();
        builder.Services.AddSingleton<PaymentLifecycle>();
        builder.Services.AddSingleton<ApiGuards>();
        builder.Services.AddSingleton<Reports.SettlementLedger>();
        builder.Services.AddHttpClient(WebhookDispatcher.HttpClientName, c => c.Timeout = Timeout.InfiniteTimeSpan);
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = CheckoutJson.Options.PropertyNamingPolicy;
            json.SerializerOptions.DefaultIgnoreCondition = CheckoutJson.Options.DefaultIgnoreCondition;
        });
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapCheckoutApi();
        app.MapReportsApi();
        app.MapKnetPage();
        app.MapControlApi();
        app.MapGet("/", () => Results.Text(
            "Checkout.com KNET sandbox: POST /payments, GET /payments/{id}, GET /payments/{id}/actions, "
            + "POST /payments/{id}/refunds, GET /reports, GET /financial-actions; control API under /_sandbox.\n"));
        return app;
    }
}
