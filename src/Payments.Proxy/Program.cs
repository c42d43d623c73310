using Payments.Proxy;

await ProxyApp.Build(args).RunAsync();
