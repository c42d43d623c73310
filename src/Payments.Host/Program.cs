using JasperFx;
using JasperFx.CommandLine;
using Payments.Host.Checkout;
using Payments.Host.Configuration;
using Payments.Host.OperatorConsole;
using Payments.Host.Edge;
using Payments.Host.EventStore;
using Payments.Host.FollowUps;
using Payments.Host.Health;
using Payments.Host.Notifications;
using Payments.Host.Payments;
using Payments.Host.Reconciliation;
using Payments.Host.Security;
using Payments.Host.TamperEvidence;
using Payments.Host.Telemetry;
using Payments.Host.Tooling;
using Scalar.AspNetCore;
using Wolverine.Http;

var builder = WebApplication.CreateBuilder(args);
builder.KeepStandardOutputForAnswers(args);
builder.Services.AddPreGeneratedCodeOutsideDevelopment();
builder.AddPaymentsEventStore();
builder.AddPaymentsTelemetry();
builder.Services.AddGracefulShutdown(builder.Configuration);
builder.Services.AddSingleton(TimeProvider.System);
builder.AddHttpErrors();
builder.Services.AddWolverineHttp();
builder.Services.AddPaymentsHealthChecks();
builder.Services.AddApiSurface(builder.Configuration, builder.Environment);
builder.Services.AddCheckout(builder.Configuration);
builder.Services.AddValidatedOptions<PaymentTimings, PaymentTimingsValidation>(builder.Configuration, PaymentTimings.Section);
builder.Services.AddValidatedOptions<IdempotencyOptions, IdempotencyOptionsValidation>(builder.Configuration, IdempotencyOptions.Section);
builder.Services.AddSweeper(builder.Configuration);
builder.Services.AddDailyRoots();
builder.Services.AddNotifications(builder.Configuration);
builder.Services.AddReconciliation(builder.Configuration);
builder.AddOperatorConsole();

var app = builder.Build();
// A bad configuration stops the service here: one line per setting on standard error, exit code 1, no connection opened.
// Under a test harness (AutoStartHost) JasperFx starts the host itself, which throws the same failures to the test.
if (!JasperFxEnvironment.AutoStartHost && !CommandLineOutput.RunsACommand(args) && !app.SettingsAreValid(Console.Error))
{
    return 1;
}

app.UseHttpErrors();
app.MapOpenApi();
app.MapScalarApiReference();
app.MapPaymentsHealth();
app.MapPaymentsMetrics();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapOperatorConsole();
app.MapWolverineEndpoints(opts =>
{
    opts.MapConcurrencyFailuresToConflict();
    ApiSurface.Secure(opts);
});

return await app.RunServiceOrCommandAsync(args);

/// <summary>The host's entry point; public so tests can start it with Alba.</summary>
public partial class Program;
