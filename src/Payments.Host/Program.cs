using JasperFx;
using Payments.Host.Checkout;
using Payments.Host.Edge;
using Payments.Host.EventStore;
using Payments.Host.FollowUps;
using Payments.Host.Health;
using Payments.Host.Payments;
using Payments.Host.Security;
using Payments.Host.Tooling;
using Scalar.AspNetCore;
using Wolverine.Http;

var builder = WebApplication.CreateBuilder(args);
builder.KeepStandardOutputForAnswers(args);
builder.AddPaymentsEventStore();
builder.Services.AddSingleton(TimeProvider.System);
builder.AddHttpErrors();
builder.Services.AddWolverineHttp();
builder.Services.AddPaymentsHealthChecks();
builder.Services.AddApiSurface(builder.Configuration, builder.Environment);
builder.Services.AddCheckout(builder.Configuration);
builder.Services.Configure<PaymentTimings>(builder.Configuration.GetSection(PaymentTimings.Section));
builder.Services.AddOptions<IdempotencyOptions>().Bind(builder.Configuration.GetSection(IdempotencyOptions.Section))
    .Validate(o => o.Lease > TimeSpan.Zero && o.Retention > o.Lease, "Idempotency:Lease must be positive and shorter than Idempotency:Retention.")
    .ValidateOnStart();
builder.Services.AddSweeper(builder.Configuration);

var app = builder.Build();
app.UseHttpErrors();
app.MapOpenApi();
app.MapScalarApiReference();
app.MapPaymentsHealth();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.MapWolverineEndpoints(opts =>
{
    opts.MapConcurrencyFailuresToConflict();
    ApiSurface.Secure(opts);
});

return await app.RunJasperFxCommands(args);

/// <summary>The host's entry point; public so tests can start it with Alba.</summary>
public partial class Program;
