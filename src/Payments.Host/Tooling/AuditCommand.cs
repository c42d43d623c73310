using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using JasperFx.CommandLine;
using Marten;

namespace Payments.Host.Tooling;

public sealed class AuditInput : NetCoreInput
{
    [Description("Write the findings as JSON (for machines) instead of a table")]
    public bool JsonFlag { get; set; }

    [Description("A payment or refund undecided for longer than this many hours is reported (default 24)")]
    public int DeadlineHoursFlag { get; set; } = 24;
}

/// <summary>
/// <c>dotnet run --project src/Payments.Host -- audit [--json] [--deadline-hours 24]</c>: replays every stream through
/// the state machines and reports illegal transitions, balance breaches, undecided payments or refunds past the
/// deadline, and events without a cause. Exit code 1 when anything is found.
/// </summary>
[Description("Replay every payment stream through the state machines and report what an auditor must see")]
public sealed class AuditCommand : JasperFxAsyncCommand<AuditInput>
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public override async Task<bool> Execute(AuditInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var time = host.Services.GetRequiredService<TimeProvider>();
        var findings = await PaymentAudit.RunAsync(store, time.GetUtcNow(), TimeSpan.FromHours(input.DeadlineHoursFlag), CancellationToken.None);

        if (input.JsonFlag)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(findings, Json));
        }
        else
        {
            await Console.Out.WriteLineAsync(findings.Count == 0 ? "Audit: nothing found." : $"Audit: {findings.Count} finding(s).");
            foreach (var f in findings)
            {
                await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{f.PaymentId}  v{f.Version?.ToString(CultureInfo.InvariantCulture) ?? "-",-4} {f.Kind,-22} {f.Detail}"));
            }
        }

        return findings.Count == 0;
    }
}
