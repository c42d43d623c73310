using Alba;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Payments.Host.Checkout;
using Payments.Host.Configuration;
using Payments.Host.EventStore;
using Payments.Host.FollowUps;
using Payments.Host.OperatorConsole;
using Payments.Host.Payments;
using Payments.Host.RateLimits;
using Payments.Host.Security;
using Payments.Host.Tests.Fixtures;
using Shouldly;
using Wolverine;

namespace Payments.Host.Tests;

/// <summary>What a start with these settings reports: the start-up validation (every ValidateOnStart) of the services registered.</summary>
internal static class StartWith
{
    public static IReadOnlyList<string> Failures(
        Dictionary<string, string?> settings, Action<IServiceCollection, IConfiguration> register, string environment = "Development")
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection()
            .AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = environment });
        register(services, configuration);
        using var provider = services.BuildServiceProvider();
        return Failures(provider);
    }

    /// <summary>The event store's sections, registered as the host does it, on a builder that reads only these settings.</summary>
    public static IReadOnlyList<string> EventStoreFailures(Dictionary<string, string?> settings)
    {
        var builder = Builder(settings);
        builder.AddPaymentsEventStore();
        using var app = builder.Build();
        return Failures(app.Services);
    }

    public static WebApplicationBuilder Builder(Dictionary<string, string?> settings)
    {
        // Only these settings: not the environment, which other tests of this process set for the hosts they start.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore();
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }

    private static IReadOnlyList<string> Failures(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (Exception e)
        {
            return StartupSettings.Failures(e) is { Count: > 0 } failures ? failures : throw new ShouldAssertException($"not a settings failure: {e}");
        }
    }

    public static Dictionary<string, string?> CheckoutKeys => new()
    {
        ["Checkout:SecretKey"] = "sk_test_configuration", ["Checkout:WebhookSignatureKey"] = "whsec_configuration",
    };
}

/// <summary>The Checkout section is checked when the service starts, not at the first call or the first webhook.</summary>
[Collection(SharedHost.Name)]
public class when_the_service_starts_with_a_checkout_setting_missing
{
    [Fact]
    public async Task start_up_fails_with_a_message_naming_the_setting()
    {
        // The real Program.cs in Development (whose appsettings hold the sandbox's keys), with the webhook key emptied.
        var start = AlbaHost.For<Program>(x => x
            .ConfigureAppConfiguration((_, configuration) =>
                configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Checkout:WebhookSignatureKey"] = "" }))
            .ConfigureLogging(logging => logging.ClearProviders()));

        var failure = await Should.ThrowAsync<Exception>(start);

        StartupSettings.Failures(failure).ShouldBe([
            "Checkout:WebhookSignatureKey is empty: every webhook would be answered 401 (environment: Checkout__WebhookSignatureKey).",
        ]);
    }

    private static IReadOnlyList<string> Failures(string environment, Dictionary<string, string?> settings) =>
        StartWith.Failures(settings, (services, configuration) => services.AddCheckout(configuration), environment);

    [Fact]
    public void every_missing_key_and_a_relative_base_url_are_named()
    {
        Failures(Environments.Production, new() { ["Checkout:BaseUrl"] = "sandbox.example/api" }).ShouldBe([
            "Checkout:SecretKey is empty: Checkout.com would refuse every call (environment: Checkout__SecretKey).",
            "Checkout:WebhookSignatureKey is empty: every webhook would be answered 401 (environment: Checkout__WebhookSignatureKey).",
            "Checkout:BaseUrl is 'sandbox.example/api', not an absolute http(s) URL: no call could reach Checkout.com (environment: Checkout__BaseUrl).",
        ]);
    }

    [Fact]
    public void the_sandbox_keys_serve_development_and_are_refused_in_production()
    {
        var sandbox = new Dictionary<string, string?>
        {
            ["Checkout:SecretKey"] = "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e", ["Checkout:WebhookSignatureKey"] = "whsec_sandbox_signature_key",
        };

        Failures(Environments.Development, sandbox).ShouldBeEmpty();
        Failures(Environments.Production, sandbox).ShouldBe([
            "Checkout:SecretKey is the sandbox's development key, refused in Production: configure the real one (environment: Checkout__SecretKey).",
            "Checkout:WebhookSignatureKey is the sandbox's development key, refused in Production: configure the real one "
            + "(environment: Checkout__WebhookSignatureKey).",
        ]);
        Failures(Environments.Production, new() { ["Checkout:SecretKey"] = "sk_live_a", ["Checkout:WebhookSignatureKey"] = "whsec_b" }).ShouldBeEmpty();
    }

    [Fact]
    public void timings_the_resilience_pipeline_would_refuse_are_named_in_the_settings_terms_once()
    {
        // The resilience options are configured from these and checked at start too: their failure is the same one.
        var settings = StartWith.CheckoutKeys;
        settings["Checkout:AttemptTimeout"] = "00:00:00.100";
        settings["Checkout:TotalTimeout"] = "00:00:00.050";
        settings["Checkout:MaxRetryAttempts"] = "0";

        Failures(Environments.Development, settings).ShouldBe([
            "Checkout:AttemptTimeout is 00:00:00.1000000, not between 00:00:00.2500000 and 12:00:00: the resilience pipeline's circuit "
            + "breaker samples over twice this time, from 0.5 s to a day (environment: Checkout__AttemptTimeout).",
            "Checkout:TotalTimeout is 00:00:00.0500000, not longer than Checkout:AttemptTimeout (00:00:00.1000000): a call would have no "
            + "time left to be retried (environment: Checkout__TotalTimeout).",
            "Checkout:MaxRetryAttempts is 0, not at least 1: a call whose answer was lost must be retried with its idempotency key "
            + "(environment: Checkout__MaxRetryAttempts).",
        ]);
    }
}

/// <summary>Several sections wrong at once: the real Program.cs reports every failure in one start, none hiding another.</summary>
[Collection(SharedHost.Name)]
public class when_the_service_starts_with_bad_settings_in_several_sections
{
    [Fact]
    public async Task every_failure_is_reported_together()
    {
        var start = AlbaHost.For<Program>(x => x
            .ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Fleet:StaleNodeTimeout"] = "00:00:03",
                ["Auth:ApiKeys:1:Scopes:0"] = "payments:read",
                ["Checkout:MaxRetryAttempts"] = "0",
                ["Payments:AttentionAfter"] = "00:00:00",
            }))
            .ConfigureLogging(logging => logging.ClearProviders()));

        var failure = await Should.ThrowAsync<Exception>(start);

        StartupSettings.Failures(failure).ShouldBe([
            "Fleet:StaleNodeTimeout is 00:00:03, not more than twice Fleet:HealthCheckPollingTime (00:00:02): a live host would be taken "
            + "for dead (environment: Fleet__StaleNodeTimeout).",
            "Auth:ApiKeys:1:Scopes:0 is 'payments:read', not one of payments:write, refunds:write, backoffice:read, operations:admin: the "
            + "key would get 403 wherever it needs the scope meant (environment: Auth__ApiKeys__1__Scopes__0).",
            "Checkout:MaxRetryAttempts is 0, not at least 1: a call whose answer was lost must be retried with its idempotency key "
            + "(environment: Checkout__MaxRetryAttempts).",
            "Payments:AttentionAfter is 00:00:00, not a positive time: every undecided payment and refund would be listed for an operator "
            + "at once (environment: Payments__AttentionAfter).",
        ]);
    }
}

public class when_an_api_key_setting_is_invalid
{
    private static IReadOnlyList<string> Failures(Dictionary<string, string?> settings) =>
        StartWith.Failures(settings, (services, configuration) =>
            services.AddApiSurface(configuration, new HostingEnvironment { EnvironmentName = Environments.Development }));

    [Fact]
    public void no_key_at_all_is_refused()
    {
        Failures([]).ShouldBe([
            "Auth:ApiKeys is empty: every merchant and back-office call would be answered 401 "
            + "(environment: Auth__ApiKeys__0__Name, Auth__ApiKeys__0__Sha256, Auth__ApiKeys__0__Scopes__0, …).",
        ]);
    }

    [Fact]
    public void each_bad_key_is_named_and_its_value_never_repeated()
    {
        var failures = Failures(new()
        {
            ["Auth:ApiKeys:0:Name"] = "",
            ["Auth:ApiKeys:0:Sha256"] = "pk_live_pasted_instead_of_its_hash",
            ["Auth:ApiKeys:0:Scopes:0"] = Scopes.PaymentsWrite,
            ["Auth:ApiKeys:1:Name"] = "merchant",
            ["Auth:ApiKeys:1:Sha256"] = ApiKeyOptions.Hash("a"),
            ["Auth:ApiKeys:1:Scopes:0"] = "payments:read",
            ["Auth:ApiKeys:2:Name"] = "merchant",
            ["Auth:ApiKeys:2:Sha256"] = ApiKeyOptions.Hash("b"),
        });

        failures.ShouldBe([
            "Auth:ApiKeys:0:Name is empty: its requests would have no name for the rate limits, idempotency keys and audit "
            + "(environment: Auth__ApiKeys__0__Name).",
            "Auth:ApiKeys:0:Sha256 is not a SHA-256 in 64 hexadecimal digits: no key would ever match it; hash one with "
            + "printf %s \"$KEY\" | sha256sum (environment: Auth__ApiKeys__0__Sha256).",
            "Auth:ApiKeys:1:Scopes:0 is 'payments:read', not one of payments:write, refunds:write, backoffice:read, operations:admin: the "
            + "key would get 403 wherever it needs the scope meant (environment: Auth__ApiKeys__1__Scopes__0).",
            "Auth:ApiKeys:2:Name is 'merchant', the name of Auth:ApiKeys:1 too: the two keys would share their idempotency keys and "
            + "their rate limit (environment: Auth__ApiKeys__2__Name).",
        ]);
        failures.ShouldAllBe(f => !f.Contains("pk_live_pasted"));
    }
}

public class when_a_rate_limit_setting_is_invalid
{
    [Fact]
    public void a_permit_count_below_one_and_an_empty_window_are_named()
    {
        StartWith.Failures(new() { ["RateLimits:PermitsPerWindow"] = "0", ["RateLimits:Window"] = "00:00:00" },
            (services, configuration) => services.AddFleetRateLimits(configuration)).ShouldBe([
            "RateLimits:PermitsPerWindow is 0, not at least 1: every create and refund would be answered 429 (environment: RateLimits__PermitsPerWindow).",
            "RateLimits:Window is 00:00:00, not a positive time: writes could not be counted in windows (environment: RateLimits__Window).",
        ]);
    }
}

public class when_an_idempotency_setting_is_invalid
{
    private static IReadOnlyList<string> Failures(Dictionary<string, string?> settings) =>
        StartWith.Failures(settings, (services, configuration) =>
            services.AddValidatedOptions<IdempotencyOptions, IdempotencyOptionsValidation>(configuration, IdempotencyOptions.Section));

    [Fact]
    public void a_lease_must_be_positive_and_shorter_than_the_retention()
    {
        Failures(new() { ["Idempotency:Lease"] = "-00:00:01" }).ShouldBe([
            "Idempotency:Lease is -00:00:01, not a positive time: a retry could run again a request that is still running (environment: Idempotency__Lease).",
        ]);
        Failures(new() { ["Idempotency:Lease"] = "01:00:00", ["Idempotency:Retention"] = "00:30:00" }).ShouldBe([
            "Idempotency:Retention is 00:30:00, not longer than Idempotency:Lease (01:00:00): a key would be forgotten while its request "
            + "still holds it (environment: Idempotency__Retention).",
        ]);
    }
}

public class when_a_sweeper_setting_is_invalid
{
    private static IReadOnlyList<string> Failures(Dictionary<string, string?> settings) =>
        StartWith.Failures(settings, (services, configuration) => services.AddCheckout(configuration).AddSweeper(configuration));

    [Fact]
    public void an_empty_interval_is_named()
    {
        var settings = StartWith.CheckoutKeys;
        settings["Payments:Sweeper:Interval"] = "00:00:00";

        Failures(settings).ShouldBe([
            "Payments:Sweeper:Interval is 00:00:00, not a positive time: lost checks would never be re-created (environment: Payments__Sweeper__Interval).",
        ]);
    }

    [Fact]
    public void with_the_checkout_section_invalid_its_own_failures_are_reported_once()
    {
        Failures(new() { ["Payments:Sweeper:SettleTime"] = "00:00:01" }).ShouldBe([
            "Checkout:SecretKey is empty: Checkout.com would refuse every call (environment: Checkout__SecretKey).",
            "Checkout:WebhookSignatureKey is empty: every webhook would be answered 401 (environment: Checkout__WebhookSignatureKey).",
        ]);
    }
}

public class when_a_payment_timing_is_invalid
{
    [Fact]
    public void every_wait_that_is_not_positive_is_named_with_its_position()
    {
        StartWith.Failures(new()
            {
                ["Payments:RequestRetryDelays:0"] = "00:00:01",
                ["Payments:RequestRetryDelays:1"] = "00:00:00",
                ["Payments:OutcomeCheckAfter"] = "00:00:00",
                ["Payments:AttentionAfter"] = "-00:01:00",
                ["Payments:RefundCheckAfter"] = "00:00:00",
                ["Payments:OutcomeRetryDelays:0"] = "00:00:00",
                ["Payments:UnknownPaymentRetryDelays:0"] = "00:00:00",
                ["Payments:KnetDetailsRetryDelays:0"] = "00:00:00",
            },
            (services, configuration) =>
                services.AddValidatedOptions<PaymentTimings, PaymentTimingsValidation>(configuration, PaymentTimings.Section)).ShouldBe([
            "Payments:RequestRetryDelays:1 is 00:00:00, not a positive time: a request that got no answer would be asked about again at "
            + "once (environment: Payments__RequestRetryDelays__1).",
            "Payments:OutcomeCheckAfter is 00:00:00, not a positive time: a payment would be asked about before its customer could pay "
            + "(environment: Payments__OutcomeCheckAfter).",
            "Payments:AttentionAfter is -00:01:00, not a positive time: every undecided payment and refund would be listed for an operator "
            + "at once (environment: Payments__AttentionAfter).",
            "Payments:RefundCheckAfter is 00:00:00, not a positive time: a refund would be asked about before Checkout.com could process it "
            + "(environment: Payments__RefundCheckAfter).",
            "Payments:OutcomeRetryDelays:0 is 00:00:00, not a positive time: a payment still pending at Checkout.com would be asked about "
            + "again at once (environment: Payments__OutcomeRetryDelays__0).",
            "Payments:UnknownPaymentRetryDelays:0 is 00:00:00, not a positive time: a webhook for a payment not found would be retried at "
            + "once (environment: Payments__UnknownPaymentRetryDelays__0).",
            "Payments:KnetDetailsRetryDelays:0 is 00:00:00, not a positive time: a KNET record not reported yet would be read again at once "
            + "(environment: Payments__KnetDetailsRetryDelays__0).",
        ]);
    }
}

public class when_an_event_store_setting_is_invalid
{
    private const string Local = "Host=localhost;Database=payments;Username=payments;Password=payments";

    [Fact]
    public void a_missing_connection_string_a_bad_schema_and_an_empty_polling_time_are_named()
    {
        StartWith.EventStoreFailures(new() { ["EventStore:Schema"] = "Payments", ["EventStore:SchedulerPolling"] = "00:00:00" }).ShouldBe([
            "ConnectionStrings:Payments is empty: the service has no database (environment: ConnectionStrings__Payments).",
            "EventStore:Schema is 'Payments', not a lower-case PostgreSQL name (a letter or _, then letters, digits or _, at most 63, not "
            + "pg_…): the event store's tables could not be created in it (environment: EventStore__Schema).",
            "EventStore:SchedulerPolling is 00:00:00, not a positive time: scheduled checks would never be found due (environment: "
            + "EventStore__SchedulerPolling).",
        ]);
    }

    [Fact]
    public void a_connection_string_that_cannot_reach_a_database_is_named_without_its_password()
    {
        var unreadable = StartWith.EventStoreFailures(new() { ["ConnectionStrings:Payments"] = "postgres://payments:s3cret-password@db/payments" });
        var hostless = StartWith.EventStoreFailures(new() { ["ConnectionStrings:Payments"] = "Database=payments;Password=s3cret-password" });

        unreadable.ShouldBe([
            "ConnectionStrings:Payments is not a PostgreSQL connection string (Host=…;Database=…;Username=…;Password=…): the service could "
            + "not reach its database (environment: ConnectionStrings__Payments).",
        ]);
        hostless.ShouldBe([
            "ConnectionStrings:Payments names no Host: the service could not reach its database (environment: ConnectionStrings__Payments).",
        ]);
        unreadable.Concat(hostless).ShouldAllBe(f => !f.Contains("s3cret"));
    }

    [Fact]
    public void a_schema_postgresql_reserves_or_truncates_is_refused()
    {
        string[] refused = ["pg_payments", new string('p', 64), "1payments", "payments;drop"];
        string[] accepted = ["payments", "_payments_2", new string('p', 63)];

        foreach (var schema in refused)
        {
            StartWith.EventStoreFailures(new() { ["ConnectionStrings:Payments"] = Local, ["EventStore:Schema"] = schema })
                .ShouldHaveSingleItem().ShouldStartWith($"EventStore:Schema is '{schema}', not a lower-case PostgreSQL name");
        }

        foreach (var schema in accepted)
        {
            StartWith.EventStoreFailures(new() { ["ConnectionStrings:Payments"] = Local, ["EventStore:Schema"] = schema }).ShouldBeEmpty();
        }
    }
}

public class when_a_fleet_or_webhook_processing_setting_is_invalid
{
    private static Dictionary<string, string?> With(params (string Key, string Value)[] settings) =>
        new(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
        {
            ["ConnectionStrings:Payments"] = "Host=localhost;Database=payments;Username=payments;Password=payments",
        };

    [Fact]
    public void fleet_timings_that_are_not_positive_and_a_stale_timeout_within_two_polls_are_named()
    {
        StartWith.EventStoreFailures(With(("Fleet:HealthCheckPollingTime", "00:00:00"), ("Fleet:CheckAssignmentPeriod", "00:00:00"))).ShouldBe([
            "Fleet:HealthCheckPollingTime is 00:00:00, not a positive time: a host could never check in and would be taken for dead "
            + "(environment: Fleet__HealthCheckPollingTime).",
            "Fleet:CheckAssignmentPeriod is 00:00:00, not a positive time: the leader would never hand out the fleet's work (environment: "
            + "Fleet__CheckAssignmentPeriod).",
        ]);
        StartWith.EventStoreFailures(With(("Fleet:HealthCheckPollingTime", "00:00:05"), ("Fleet:StaleNodeTimeout", "00:00:10"))).ShouldBe([
            "Fleet:StaleNodeTimeout is 00:00:10, not more than twice Fleet:HealthCheckPollingTime (00:00:05): a live host would be taken "
            + "for dead (environment: Fleet__StaleNodeTimeout).",
        ]);
    }

    [Fact]
    public void a_queue_count_out_of_range_and_a_slot_count_wolverine_lacks_are_named()
    {
        StartWith.EventStoreFailures(With(("Webhooks:Queues", "65"), ("Webhooks:Slots", "4"))).ShouldBe([
            "Webhooks:Queues is 65, not between 1 and 64: each queue is a durable local queue of every host, and stored webhooks need at "
            + "least one (environment: Webhooks__Queues).",
            "Webhooks:Slots is 4, not one of Three, Five, Seven, Nine: Wolverine runs 3, 5, 7 or 9 payments at once in each queue "
            + "(environment: Webhooks__Slots).",
        ]);
    }

    [Fact]
    public void the_wiring_gets_the_configured_values_when_valid_and_never_an_invalid_one()
    {
        var valid = StartWith.Builder(new() { ["Fleet:HealthCheckPollingTime"] = "00:00:01", ["Fleet:StaleNodeTimeout"] = "00:00:03" })
            .AddOptionsReadBeforeStart<FleetOptions, FleetOptionsValidation>(FleetOptions.Section);
        var invalid = StartWith.Builder(new() { ["Fleet:HealthCheckPollingTime"] = "00:00:01", ["Fleet:StaleNodeTimeout"] = "00:00:01" })
            .AddOptionsReadBeforeStart<FleetOptions, FleetOptionsValidation>(FleetOptions.Section);
        var unreadable = StartWith.Builder(new() { ["Fleet:StaleNodeTimeout"] = "ten seconds" })
            .AddOptionsReadBeforeStart<FleetOptions, FleetOptionsValidation>(FleetOptions.Section);

        (valid.HealthCheckPollingTime, valid.StaleNodeTimeout).ShouldBe((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)));
        (invalid.HealthCheckPollingTime, invalid.StaleNodeTimeout).ShouldBe((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10)));
        (unreadable.HealthCheckPollingTime, unreadable.StaleNodeTimeout).ShouldBe((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(10)));
    }
}

/// <summary>What the process writes when it refuses to start (Program.cs exits 1 after it).</summary>
public class when_the_start_is_refused
{
    private static (bool Valid, string Written) Check(Dictionary<string, string?> settings)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddFleetRateLimits(builder.Configuration);
        builder.Services.AddValidatedOptions<IdempotencyOptions, IdempotencyOptionsValidation>(builder.Configuration, IdempotencyOptions.Section);
        using var host = builder.Build();
        using var error = new StringWriter { NewLine = "\n" };
        return (host.SettingsAreValid(error), error.ToString());
    }

    [Fact]
    public void one_heading_then_one_line_per_failed_setting_is_written()
    {
        Check(new() { ["RateLimits:PermitsPerWindow"] = "0", ["Idempotency:Lease"] = "00:00:00" }).ShouldBe((false, """
            The service cannot start: 2 settings are invalid.
            RateLimits:PermitsPerWindow is 0, not at least 1: every create and refund would be answered 429 (environment: RateLimits__PermitsPerWindow).
            Idempotency:Lease is 00:00:00, not a positive time: a retry could run again a request that is still running (environment: Idempotency__Lease).

            """));
    }

    [Fact]
    public void a_value_that_cannot_be_read_is_named_by_the_binder()
    {
        Check(new() { ["RateLimits:Window"] = "ten seconds" }).ShouldBe((false, """
            The service cannot start: a setting is invalid.
            Failed to convert configuration value 'ten seconds' at 'RateLimits:Window' to type 'System.TimeSpan'.

            """));
    }

    [Fact]
    public void valid_settings_write_nothing()
    {
        Check([]).ShouldBe((true, ""));
    }
}

/// <summary>The Shutdown section reaches the host and Wolverine (docs/architecture.md, "Shutdown"); a bad value stops the start.</summary>
[Collection(SharedHost.Name)]
public class when_the_service_is_configured_for_sigterm
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection().AddGracefulShutdown(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).BuildServiceProvider();

    /// <summary>What Wolverine's drain gets once the registered extensions are applied, as Wolverine applies them.</summary>
    private static TimeSpan DrainTimeout(IServiceProvider services)
    {
        var options = new WolverineOptions();
        foreach (var extension in services.GetServices<IWolverineExtension>())
        {
            extension.Configure(options);
        }

        return options.Durability.DrainTimeout;
    }

    [Fact]
    public void requests_get_15_seconds_and_messages_10_unless_configured()
    {
        using var defaults = Build([]);
        defaults.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout.ShouldBe(TimeSpan.FromSeconds(15));
        DrainTimeout(defaults).ShouldBe(TimeSpan.FromSeconds(10));

        using var configured = Build(new() { ["Shutdown:Timeout"] = "00:00:20", ["Shutdown:DrainTimeout"] = "00:00:05" });
        configured.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout.ShouldBe(TimeSpan.FromSeconds(20));
        DrainTimeout(configured).ShouldBe(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task a_wait_that_is_not_positive_stops_start_up_naming_the_setting()
    {
        var start = AlbaHost.For<Program>(x => x
            .ConfigureAppConfiguration((_, configuration) => configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Shutdown:Timeout"] = "00:00:00", ["Shutdown:DrainTimeout"] = "-00:00:01", ["Shutdown:ReadinessDelay"] = "-00:00:02",
            }))
            .ConfigureLogging(logging => logging.ClearProviders()));

        var failure = await Should.ThrowAsync<Exception>(start);

        var validation = failure as OptionsValidationException
            ?? failure.InnerException as OptionsValidationException
            ?? throw new ShouldAssertException($"not an options validation failure: {failure}");
        validation.Failures.ShouldBe([
            "Shutdown:Timeout is 00:00:00, not a positive time: requests in flight could not finish after SIGTERM (environment: Shutdown__Timeout).",
            "Shutdown:DrainTimeout is -00:00:01, not a positive time: messages in flight could not finish after SIGTERM (environment: Shutdown__DrainTimeout).",
            "Shutdown:ReadinessDelay is -00:00:02, negative: the time to leave rotation before the listener closes cannot be negative (environment: Shutdown__ReadinessDelay).",
        ]);
    }
}

/// <summary>The console's optional key-ring certificate is checked at start: a file that is not there or not openable.</summary>
public class when_the_console_key_ring_certificate_is_configured
{
    private static IReadOnlyList<string> Failures(Dictionary<string, string?> settings)
    {
        var builder = StartWith.Builder(settings);
        builder.AddOptionsReadBeforeStart<ConsoleOptions, ConsoleOptionsValidation>(
            ConsoleOptions.Section);
        using var app = builder.Build();
        try
        {
            app.Services.GetRequiredService<IStartupValidator>().Validate();
            return [];
        }
        catch (Exception e)
        {
            return StartupSettings.Failures(e);
        }
    }

    [Fact]
    public void a_missing_file_and_a_file_that_is_not_pkcs12_are_named_and_none_is_fine()
    {
        var notACertificate = Path.GetTempFileName();
        try
        {
            Failures([]).ShouldBeEmpty();
            Failures(new() { ["Console:KeyRingCertificatePath"] = "/nowhere/console.pfx" }).ShouldBe([
                "Console:KeyRingCertificatePath is '/nowhere/console.pfx', a file that does not exist: the console's keys could not be "
                + "protected (environment: Console__KeyRingCertificatePath).",
            ]);
            File.WriteAllText(notACertificate, "not a certificate");
            Failures(new() { ["Console:KeyRingCertificatePath"] = notACertificate, ["Console:KeyRingCertificatePassword"] = "secret" }).ShouldBe([
                "Console:KeyRingCertificatePath is not a PKCS#12 file this password opens: the console's keys could not be protected "
                + "(environment: Console__KeyRingCertificatePath).",
            ]);
        }
        finally
        {
            File.Delete(notACertificate);
        }
    }
}
