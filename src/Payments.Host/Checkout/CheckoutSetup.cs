using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Payments.Host.Configuration;

namespace Payments.Host.Checkout;

public static class CheckoutSetup
{
    /// <summary>
    /// The Checkout.com client with timeouts and retries. Retrying POSTs is safe here because each one carries an
    /// idempotency key derived from our ids: Checkout.com replays its first answer instead of acting twice.
    /// </summary>
    public static IServiceCollection AddCheckout(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<CheckoutOptions, CheckoutOptionsValidation>(configuration, CheckoutOptions.Section);
        services.AddHttpClient<CheckoutClient>((sp, client) =>
            {
                var options = sp.GetRequiredService<IOptions<CheckoutOptions>>().Value;
                client.BaseAddress = new Uri(options.BaseUrl.TrimEnd('/') + "/");
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .AddStandardResilienceHandler()
            .Configure((HttpStandardResilienceOptions resilience, IServiceProvider sp) =>
            {
                var options = sp.GetRequiredService<IOptions<CheckoutOptions>>().Value;
                resilience.AttemptTimeout.Timeout = options.AttemptTimeout;
                resilience.TotalRequestTimeout.Timeout = options.TotalTimeout;
                resilience.CircuitBreaker.SamplingDuration = options.AttemptTimeout * 2;
                resilience.Retry.MaxRetryAttempts = options.MaxRetryAttempts;
                resilience.Retry.Delay = TimeSpan.FromMilliseconds(200);
            });
        return services;
    }
}
