using Microsoft.Extensions.Options;
using Payments.Proxy;

var app = ProxyApp.Build(args);
try
{
    // A bad setting stops the proxy with one line per setting on standard error, not a stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync(string.Join(Environment.NewLine, ["The proxy cannot start:", .. e.Failures]));
    return 1;
}

await app.RunAsync();
return 0;
