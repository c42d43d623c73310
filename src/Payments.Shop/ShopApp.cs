using System.Net.Http.Headers;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;

namespace Payments.Shop;

/// <summary>Composition of the demo shop; tests build it the same way and run it on a real port.</summary>
public static class ShopApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Named after this assembly, so its pages are found when a test process (another entry assembly) hosts it.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args, ApplicationName = typeof(ShopApp).Assembly.GetName().Name,
        });

        // The stylesheet is compiled in: served the same from `dotnet run`, a published folder or a test process.
        builder.Environment.WebRootFileProvider = new EmbeddedFileProvider(typeof(ShopApp).Assembly, "Payments.Shop.wwwroot");
        builder.Services.AddOptions<ShopOptions>().Bind(builder.Configuration.GetSection(ShopOptions.Section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ShopOptions>, ShopOptionsValidation>();
        builder.Services.AddHttpClient<PaymentsApi>((services, http) =>
        {
            var options = services.GetRequiredService<IOptions<ShopOptions>>().Value;
            http.BaseAddress = new Uri(options.PaymentsUrl.TrimEnd('/') + "/");
            http.Timeout = TimeSpan.FromSeconds(30);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.ApiKey);
        });
        builder.Services.AddRazorPages();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAntiforgery();
        app.MapRazorPages();
        return app;
    }
}
