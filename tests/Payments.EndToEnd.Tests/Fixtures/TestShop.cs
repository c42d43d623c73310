extern alias shop;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using shop::Payments.Shop;

namespace Payments.EndToEnd.Tests.Fixtures;

/// <summary>The demo shop (src/Payments.Shop) hosted in this process on a real loopback port, with the shop's API key.</summary>
public static class TestShop
{
    /// <summary>Starts a shop that calls the payments service at <paramref name="paymentsUrl"/>; its own URL beside it.</summary>
    public static async Task<(WebApplication App, string Url)> StartAsync(string paymentsUrl)
    {
        // The shop's options name its own public URL before it starts: a port the system just gave out.
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        var url = $"http://127.0.0.1:{port}";
        var app = ShopApp.Build([], builder =>
        {
            builder.WebHost.UseUrls(url);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Shop:PaymentsUrl"] = paymentsUrl,
                ["Shop:ApiKey"] = Wired.ShopKey,
                ["Shop:PublicUrl"] = url,
            });
            builder.Logging.ClearProviders();
        });
        await app.StartAsync();
        return (app, url);
    }
}
