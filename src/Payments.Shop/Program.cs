using Microsoft.Extensions.Options;
using Payments.Shop;

var app = ShopApp.Build(args);
try
{
    // A bad setting stops the shop with one line per setting on standard error, not a stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync(string.Join(Environment.NewLine, ["The shop cannot start:", .. e.Failures]));
    return 1;
}

await app.RunAsync();
return 0;

/// <summary>The shop's entry point.</summary>
public partial class Program;
