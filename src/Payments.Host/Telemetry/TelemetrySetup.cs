using Marten;
using Marten.Services;
using Microsoft.Extensions.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Payments.Host.Configuration;

namespace Payments.Host.Telemetry;

/// <summary><c>Telemetry</c> settings of our own; the exporters follow the standard <c>OTEL_*</c> variables.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>How old the gauges' backlog count may be before a collection starts a new one.</summary>
    public TimeSpan BacklogRefresh { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>Our own telemetry setting, and the standard exporter variables we act on.</summary>
internal sealed class TelemetryOptionsValidation(IConfiguration configuration) : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new ValidateOptionsResultBuilder();
        failures.RequirePositive("Telemetry:BacklogRefresh", options.BacklogRefresh, "the gauges would count on every collection");
        if (configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] is { Length: > 0 } endpoint && !SettingRules.IsHttpUrl(endpoint))
        {
            failures.AddError($"OTEL_EXPORTER_OTLP_ENDPOINT is '{endpoint}', not an absolute http(s) URL: nothing could be exported.");
        }

        if (configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] is { Length: > 0 } protocol && protocol is not ("grpc" or "http/protobuf"))
        {
            failures.AddError($"OTEL_EXPORTER_OTLP_PROTOCOL is '{protocol}', not grpc or http/protobuf: the exporter would refuse to start.");
        }

        return failures.Build();
    }
}

/// <summary>
/// Traces, metrics and logs with OpenTelemetry's own instrumentation: ASP.NET Core, HttpClient (the Checkout.com
/// calls), Npgsql, the runtime, Wolverine's and Marten's sources and meters, and our <c>Payments</c> meter. The
/// instrumentation is always on; nothing leaves the process unless configured (docs/architecture.md, "Telemetry"):
/// <list type="bullet">
/// <item>OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (protocol, headers and the rest from the standard
/// <c>OTEL_EXPORTER_OTLP_*</c> variables), for each signal unless <c>OTEL_TRACES_EXPORTER</c> /
/// <c>OTEL_METRICS_EXPORTER</c> / <c>OTEL_LOGS_EXPORTER</c> leave out <c>otlp</c> (<c>none</c>, say);</item>
/// <item>a Prometheus scrape endpoint, <c>GET /metrics</c>, when <c>OTEL_METRICS_EXPORTER</c> names <c>prometheus</c>.</item>
/// </list>
/// </summary>
public static class TelemetrySetup
{
    public const string DefaultServiceName = "payments-host";

    public static WebApplicationBuilder AddPaymentsTelemetry(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        builder.Services.AddValidatedOptions<TelemetryOptions, TelemetryOptionsValidation>(configuration, TelemetryOptions.Section);
        builder.Services.AddSingleton<PaymentsBacklog>();
        builder.Services.AddSingleton<PaymentsMetrics>();

        // Counted once per commit, from the events PostgreSQL accepted; Marten's append counter beside. Marten's
        // connection spans stay off: they name their parent by id only, so code under them could no longer reach the
        // request's or the handler's span, and Npgsql's statement spans already show every round trip.
        builder.Services.ConfigureMarten((services, store) =>
        {
            store.Listeners.Add(new CommittedEventsCounter(services.GetRequiredService<PaymentsMetrics>()));
            store.OpenTelemetry.TrackEventCounters();
        });

        // Our meter by its scope, not only its name: this host's provider listens to the meter this host's factory made.
        // By name alone it would also take every other "Payments" meter of the process (a second host, a tool), sum
        // their counts into ours, and drop our instruments when that other meter is disposed.
        builder.Metrics.EnableMetrics(PaymentsMetrics.MeterName, scopes: MeterScope.Local);

        var traces = Exporters(configuration, "TRACES");
        var metrics = Exporters(configuration, "METRICS");
        var logs = Exporters(configuration, "LOGS");

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : DefaultServiceName))
            .WithTracing(tracing =>
            {
                tracing
                    .SetSampler(new ParentBasedSampler(new HousekeepingSampler()))
                    // Probes and scrapes every few seconds on every node would drown the traces that matter.
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsHousekeeping(context.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql()
                    .AddSource("Wolverine")
                    .AddSource("Marten");
                if (traces.Contains("otlp"))
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(meters =>
            {
                meters
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    // Wolverine names its meter "Wolverine:<service name>".
                    .AddMeter("Wolverine*")
                    .AddMeter("Marten")
                    .AddInstrumentation(services => services.GetRequiredService<PaymentsBacklog>());
                if (metrics.Contains("otlp"))
                {
                    meters.AddOtlpExporter();
                }

                if (metrics.Contains("prometheus"))
                {
                    meters.AddPrometheusExporter();
                }
            });

        if (logs.Contains("otlp"))
        {
            telemetry.WithLogging(logging => logging.AddOtlpExporter(), options =>
            {
                options.IncludeScopes = true;
                options.IncludeFormattedMessage = true;
            });
        }

        return builder;
    }

    /// <summary><c>GET /metrics</c> in Prometheus' text format, when <c>OTEL_METRICS_EXPORTER</c> names <c>prometheus</c>.</summary>
    public static WebApplication MapPaymentsMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (Exporters(app.Configuration, "METRICS").Contains("prometheus"))
        {
            app.MapPrometheusScrapingEndpoint();
        }

        return app;
    }

    /// <summary>
    /// The exporters of one signal (TRACES, METRICS, LOGS): those <c>OTEL_&lt;signal&gt;_EXPORTER</c> names (unset means
    /// <c>otlp</c>, as the specification says), with <c>otlp</c> only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set:
    /// without it the exporter would send to localhost:4318, and nothing is sent that nobody asked for. (The
    /// signal-specific endpoint variables alone do not enable the OpenTelemetry .NET exporter; set the common one.)
    /// </summary>
    private static HashSet<string> Exporters(IConfiguration configuration, string signal)
    {
        var named = (configuration[$"OTEL_{signal}_EXPORTER"] is { Length: > 0 } value ? value : "otlp")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(e => e.ToLowerInvariant()).ToHashSet();
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            named.Remove("otlp");
        }

        return named;
    }

    private static bool IsHousekeeping(PathString path) =>
        path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
        || path.StartsWithSegments("/metrics", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Feeds <see cref="PaymentsMetrics"/> the events of every commit, on every session of the store.</summary>
internal sealed class CommittedEventsCounter(PaymentsMetrics metrics) : DocumentSessionListenerBase
{
    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(commit);
        foreach (var e in commit.GetEvents())
        {
            metrics.Committed(e.Data);
        }

        return Task.CompletedTask;
    }
}

/// <summary>Runs an action once the session's transaction has committed, and never if it did not.</summary>
internal sealed class AfterCommit(Action action) : DocumentSessionListenerBase
{
    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        action();
        return Task.CompletedTask;
    }
}

/// <summary>
/// The root sampler (children follow their parent): keeps the traces of work and drops the fleet's housekeeping, a
/// statement with no operation above it (the
/// durability agent's and the daemon's polling, every few seconds on every node) and Wolverine's periodic agent
/// assignment. Every span inside a traced request or message is kept, as its parent decided.
/// </summary>
internal sealed class HousekeepingSampler : Sampler
{
    private static readonly SamplingResult Keep = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.Name is "postgresql" or "wolverine_node_assignments"
        || samplingParameters.Tags?.Any(t => t.Key == "db.system.name") == true
            ? Drop
            : Keep;
}
