using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using JasperFx.CommandLine;
using Marten;
using Microsoft.Extensions.Options;
using Payments.Host.Checkout;
using Payments.Host.Reconciliation;

namespace Payments.Host.Tooling;

public sealed class ReconcileInput : NetCoreInput
{
    [Description("The settlement day to reconcile, yyyy-MM-dd (UTC)")]
    public string DateFlag { get; set; } = "";

    [Description("Write the day's reconciliation as JSON (for machines) instead of a summary")]
    public bool JsonFlag { get; set; }
}

/// <summary>
/// <c>dotnet run --project src/Payments.Host -- reconcile --date 2026-12-01 [--json]</c>: reconciles the settlement
/// day against Checkout.com's report now, stores the day's document as the daily job does, and prints it. Exit code
/// 0 when the day is clean, 1 with discrepancies, 2 when it could not run (a bad date, Checkout.com unavailable).
/// </summary>
[Description("Reconcile a settlement day against Checkout.com's financial actions report")]
public sealed class ReconcileCommand : JasperFxAsyncCommand<ReconcileInput>
{
    public const int Clean = 0;
    public const int Discrepancies = 1;
    public const int Failed = 2;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    public override async Task<bool> Execute(ReconcileInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!ReconciliationEndpoints.TryDay(input.DateFlag, out var day))
        {
            await Console.Error.WriteLineAsync($"--date '{input.DateFlag}' is not a day yyyy-MM-dd.");
            return Exit(Failed);
        }

        using var host = input.BuildHost();
        var store = host.Services.GetRequiredService<IDocumentStore>();
        var time = host.Services.GetRequiredService<TimeProvider>();
        await using var scope = host.Services.CreateAsyncScope();
        var checkout = scope.ServiceProvider.GetRequiredService<CheckoutClient>();
        await using var session = store.LightweightSession();
        var outcome = await ReconcileDay.RunAsync(day, $"command:reconcile --date {ReconcileDay.Id(day)} by {Environment.UserName}",
            session, checkout, host.Services.GetRequiredService<IOptions<ReconciliationOptions>>().Value, time.GetUtcNow(), CancellationToken.None);
        await session.SaveChangesAsync();
        var document = outcome.Document;
        var discrepancies = document.Discrepancies();
        if (input.JsonFlag)
        {
            await Console.Out.WriteLineAsync(JsonSerializer.Serialize(document, Json));
        }
        else
        {
            await Console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"Reconciliation {document.Id}: report {document.ReportId ?? "-"}, {document.Rows} lines, {document.Matched.Count} matched, {discrepancies.Count} discrepancies."));
            if (outcome.CheckoutUnavailable)
            {
                await Console.Out.WriteLineAsync($"Not run: {document.Error}");
            }

            foreach (var d in discrepancies)
            {
                await Console.Out.WriteLineAsync($"{d.Kind,-24} {d.CheckoutPaymentId ?? "-",-30} {d.ActionId ?? "-",-30} {d.Detail}");
            }
        }

        return Exit(outcome.CheckoutUnavailable ? Failed : discrepancies.Count == 0 ? Clean : Discrepancies);
    }

    /// <summary>JasperFx knows two exit codes (true 0, false 1): a third is handed to <see cref="CommandLineOutput"/>.</summary>
    private static bool Exit(int code)
    {
        CommandLineOutput.ExitCode = code == Failed ? Failed : null;
        return code == Clean;
    }
}
