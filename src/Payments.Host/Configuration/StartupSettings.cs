using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Payments.Host.Configuration;

/// <summary>
/// Every options class is bound from its section and validated when the service starts (ValidateOnStart), so a bad
/// setting stops it at once, naming the setting, instead of surfacing at the first call, webhook or scheduled check.
/// </summary>
public static class StartupSettings
{
    /// <summary>The section bound to <typeparamref name="T"/>, checked at start by <typeparamref name="TValidator"/>.</summary>
    public static OptionsBuilder<T> AddValidatedOptions<T, TValidator>(this IServiceCollection services, IConfiguration configuration, string section)
        where T : class
        where TValidator : class, IValidateOptions<T>
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<T>, TValidator>());
        return services.AddOptions<T>().Bind(configuration.GetSection(section)).ValidateOnStart();
    }

    /// <summary>
    /// Options the wiring needs before the container exists (Wolverine's and Marten's configuration is built from
    /// them): registered and checked at start like every other section, and read here with the same binding and the
    /// same validator. An invalid value is not handed to the wiring — the defaults are, for a host that will not start —
    /// so its failure is reported at start together with every other one, not thrown alone from the middle of the
    /// builder. <paramref name="alsoRead"/> fills what lives outside the section (a connection string).
    /// </summary>
    public static T AddOptionsReadBeforeStart<T, TValidator>(
        this WebApplicationBuilder builder, string section, Action<T, IConfiguration>? alsoRead = null)
        where T : class, new()
        where TValidator : class, IValidateOptions<T>, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddValidatedOptions<T, TValidator>(builder.Configuration, section);
        if (alsoRead is not null)
        {
            options.Configure<IConfiguration>((value, configuration) => alsoRead(value, configuration));
        }

        var read = new T();
        try
        {
            builder.Configuration.GetSection(section).Bind(read);
        }
        catch (InvalidOperationException)
        {
            // A value the binder cannot convert ("ten seconds" for a TimeSpan): the binding at start says which.
            return new T();
        }

        alsoRead?.Invoke(read, builder.Configuration);
        return new TValidator().Validate(Options.DefaultName, read).Succeeded ? read : new T();
    }

    /// <summary>
    /// Runs the start-up validation before anything starts (the host would run it too, after resolving its hosted
    /// services): with a bad configuration it writes the failures to <paramref name="error"/>, one line each under one
    /// heading, and answers false — the process exits 1 without a stack trace and without having opened a connection.
    /// </summary>
    public static bool SettingsAreValid(this IHost host, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            host.Services.GetService<IStartupValidator>()?.Validate();
            return true;
        }
        catch (Exception e) when (Failures(e) is { Count: > 0 } failures)
        {
            error.WriteLine($"The service cannot start: {(failures.Count == 1 ? "a setting is" : $"{failures.Count} settings are")} invalid.");
            foreach (var failure in failures)
            {
                error.WriteLine(failure);
            }

            return false;
        }
    }

    /// <summary>
    /// Each distinct failure of a start-up validation. One class's failures can arrive more than once (an options class
    /// configured from another rethrows the other's), and a value the binder could not convert arrives as its own
    /// message. Empty when anything else was thrown, which is not a configuration failure and keeps its stack trace.
    /// </summary>
    public static IReadOnlyList<string> Failures(Exception exception) => exception switch
    {
        OptionsValidationException invalid => [.. invalid.Failures],
        AggregateException all when all.InnerExceptions.All(e => Failures(e).Count > 0) =>
            [.. all.InnerExceptions.SelectMany(Failures).Distinct()],
        InvalidOperationException { InnerException: FormatException or OverflowException or ArgumentException } unreadable => [unreadable.Message],
        _ => [],
    };
}
