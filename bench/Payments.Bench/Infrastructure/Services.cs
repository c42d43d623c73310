namespace Payments.Bench.Infrastructure;

/// <summary>
/// Starts the payments host and the Checkout.com sandbox as real processes, wired the way scripts/run.sh wires them,
/// on the bench schema, with logging at Warning and the write rate limit out of the way.
/// </summary>
internal sealed class Services(BenchOptions options)
{
    public const string SecretKey = "sk_sbox_m73dzbpy7cf3gfd46xr4yj5xo4e";
    public const string SignatureKey = "whsec_bench_5be1c0d2e7a94f68";
    public const string ProcessingChannel = "pc_localprocessingchannel0000";
    public const string MerchantKey = "pk_dev_merchant_3f9c2a71";
    public const string BackOfficeKey = "pk_dev_backoffice_8d41e6b0";
    public const int SandboxPort = 5190;
    public const int FirstHostPort = 5180;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    public string LogDirectory => Path.Combine(options.RepoRoot, "artifacts", "bench", "logs");

    /// <summary>
    /// <c>BENCH_HOST_X=value</c> in the bench's environment becomes <c>X=value</c> in every host's: a runtime or
    /// configuration experiment (e.g. <c>BENCH_HOST_DOTNET_gcServer=0</c>) without touching the host. The report shows them.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string>> Overrides() =>
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .Where(e => ((string)e.Key).StartsWith(OverridePrefix, StringComparison.Ordinal))
            .Select(e => KeyValuePair.Create(((string)e.Key)[OverridePrefix.Length..], (string?)e.Value ?? ""));

    private const string OverridePrefix = "BENCH_HOST_";

    private string Dll(string project) => Path.Combine(options.RepoRoot, "src", project, "bin", "Release", "net10.0", project + ".dll");

    /// <summary>The sandbox sends no webhooks (the bench sends its own) and answers at once (no ApiDelay fault).</summary>
    public async Task<ServiceProcess> StartSandboxAsync(CancellationToken cancellation)
    {
        var sandbox = ServiceProcess.Start("sandbox", Dll("Payments.Sandbox"), SandboxPort, new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Sandbox__SecretKey"] = SecretKey,
            ["Sandbox__WebhookUrl"] = "",
            ["Sandbox__WebhookSignatureKey"] = SignatureKey,
            ["Logging__LogLevel__Default"] = "Warning",
        }, LogDirectory);
        await sandbox.WaitReadyAsync("/", StartTimeout, cancellation);
        return sandbox;
    }

    /// <summary>Host number <paramref name="index"/> (0, 1, 2 …), its connection pool capped at <paramref name="maxPoolSize"/>.</summary>
    public async Task<ServiceProcess> StartHostAsync(int index, int maxPoolSize, CancellationToken cancellation)
    {
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["ConnectionStrings__Payments"] = $"{options.ConnectionString};Maximum Pool Size={maxPoolSize}",
            ["EventStore__Schema"] = BenchOptions.Schema,
            ["Checkout__BaseUrl"] = $"http://127.0.0.1:{SandboxPort}",
            ["Checkout__SecretKey"] = SecretKey,
            ["Checkout__ProcessingChannelId"] = ProcessingChannel,
            ["Checkout__WebhookSignatureKey"] = SignatureKey,
            ["RateLimits__PermitsPerWindow"] = "1000000",
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in Overrides())
        {
            environment[key] = value;
        }

        var host = ServiceProcess.Start($"host{index}", Dll("Payments.Host"), FirstHostPort + index, environment, LogDirectory);
        await host.WaitReadyAsync("/health", StartTimeout, cancellation);
        return host;
    }
}
