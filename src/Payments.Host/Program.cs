using JasperFx;
using Payments.Host.EventStore;
using Payments.Host.Health;
using Wolverine.Http;

var builder = WebApplication.CreateBuilder(args);
builder.AddPaymentsEventStore();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddProblemDetails();
builder.Services.AddWolverineHttp();
builder.Services.AddPaymentsHealthChecks();

var app = builder.Build();
app.MapPaymentsHealth();
app.MapWolverineEndpoints(opts => opts.MapConcurrencyFailuresToConflict());

return await app.RunJasperFxCommands(args);

/// <summary>The host's entry point; public so tests can start it with Alba.</summary>
public partial class Program;
