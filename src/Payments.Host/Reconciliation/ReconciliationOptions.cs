using Microsoft.Extensions.Options;
using Payments.Host.Configuration;

namespace Payments.Host.Reconciliation;

/// <summary>The section <c>Reconciliation</c>: the daily settlement reconciliation (docs/architecture.md, "Settlement reconciliation").</summary>
public sealed class ReconciliationOptions
{
    public const string Section = "Reconciliation";

    /// <summary>Off: this node never schedules the daily job (it still answers the API, the page and the command).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The UTC time of day the previous settlement day is reconciled (Checkout.com creates the report after the day closes).</summary>
    public TimeSpan RunAt { get; set; } = TimeSpan.FromHours(4);

    /// <summary>How long the job waits before asking again when Checkout.com does not answer or has no report yet.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How many times a day's job asks before it leaves the failure to the attention list.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>A report file larger than this is not read.</summary>
    public int MaxFileBytes { get; set; } = 16 * 1024 * 1024;
}

public sealed class ReconciliationOptionsValidation : IValidateOptions<ReconciliationOptions>
{
    public ValidateOptionsResult Validate(string? name, ReconciliationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = ReconciliationOptions.Section;
        var failures = new ValidateOptionsResultBuilder();
        if (options.RunAt < TimeSpan.Zero || options.RunAt >= TimeSpan.FromDays(1))
        {
            failures.Fail($"{S}:{nameof(options.RunAt)}", $"is {SettingRules.Show(options.RunAt)}, not a time of day from 00:00:00 to 23:59:59",
                "the daily reconciliation would have no time to run at");
        }

        failures.RequirePositive($"{S}:{nameof(options.RetryAfter)}", options.RetryAfter, "a day whose report could not be read would be asked for again at once, without end");
        failures.RequireAtLeastOne($"{S}:{nameof(options.MaxAttempts)}", options.MaxAttempts, "the daily job would never ask for the report");
        if (options.MaxFileBytes < 1024)
        {
            failures.Fail($"{S}:{nameof(options.MaxFileBytes)}", $"is {options.MaxFileBytes}, less than 1024 bytes", "no report file could be read");
        }

        return failures.Build();
    }
}
