using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using JasperFx.CommandLine;
using Marten;
using Payments.Domain;
using Payments.Host.TamperEvidence;

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
/// deadline, and events without a cause; verifies every stream's hash chain and every day root and reports the first
/// broken link of each (docs/architecture.md, "Tamper-evident log"). Exit code 1 when anything is found.
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
        var findings = AuditEntry.Of(
            await PaymentAudit.RunAsync(store, time.GetUtcNow(), TimeSpan.FromHours(input.DeadlineHoursFlag), CancellationToken.None),
            await ChainAudit.RunAsync(store, CancellationToken.None));

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
                    $"{f.PaymentId?.ToString() ?? f.Day,-36}  v{f.Version?.ToString(CultureInfo.InvariantCulture) ?? "-",-4} {f.Kind,-22} {f.Detail}")
                    + (f.Expected is null ? "" : $" (expected {f.Expected}, found {f.Found})"));
            }
        }

        return findings.Count == 0;
    }
}

/// <summary>
/// One line of the audit's answer. The first four properties are the original schema, always written; a broken chain
/// or root adds <c>expected</c> and <c>found</c>, and a root, which belongs to a day and not to a payment, has
/// <c>day</c> and no <c>paymentId</c>. Kinds: the <see cref="FindingKind"/> and <see cref="ChainFindingKind"/> names.
/// </summary>
public sealed record AuditEntry(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] Guid? PaymentId,
    long? Version,
    string Kind,
    string Detail,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Day = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Expected = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Found = null)
{
    public static IReadOnlyList<AuditEntry> Of(IEnumerable<AuditFinding> findings, IEnumerable<ChainFinding> chains) =>
    [
        .. findings.Select(f => new AuditEntry(f.PaymentId, f.Version, f.Kind.ToString(), f.Detail)),
        .. chains.Select(c => new AuditEntry(c.StreamId, c.Version, c.Kind.ToString(), c.Detail, c.Day, c.Expected, c.Found)),
    ];
}
