using Microsoft.Extensions.Options;
using Payments.Sandbox;

var app = SandboxApp.Build(args);
try
{
    // A bad setting stops the sandbox with one line per setting on standard error, not a stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync(string.Join(Environment.NewLine, ["The sandbox cannot start:", .. e.Failures]));
    return 1;
}

await app.RunAsync();
return 0;

/// <summary>The sandbox's entry point.</summary>
public partial class Program;
