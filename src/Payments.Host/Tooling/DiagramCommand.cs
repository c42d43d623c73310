using JasperFx.CommandLine;
using Payments.Domain;

namespace Payments.Host.Tooling;

public sealed class DiagramInput
{
    [Description("File to write; '-' writes to standard output")]
    public string OutputFlag { get; set; } = "docs/state-diagram.md";
}

/// <summary><c>dotnet run --project src/Payments.Host -- diagram</c>: writes docs/state-diagram.md from the machines.</summary>
[Description("Generate docs/state-diagram.md from the Stateless machines")]
public sealed class DiagramCommand : JasperFxAsyncCommand<DiagramInput>
{
    public override async Task<bool> Execute(DiagramInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var document = StateDiagramDocument.Render();
        if (input.OutputFlag == "-")
        {
            await Console.Out.WriteAsync(document);
            return true;
        }

        await File.WriteAllTextAsync(input.OutputFlag, document);
        await Console.Out.WriteLineAsync($"Wrote {Path.GetFullPath(input.OutputFlag)}");
        return true;
    }
}
