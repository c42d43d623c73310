namespace Payments.Sandbox;

/// <summary>Runs work after a delay on the injected clock; everything stops with the application.</summary>
public sealed partial class SandboxTimers(TimeProvider time, IHostApplicationLifetime lifetime, ILogger<SandboxTimers> logger)
{
    public void After(TimeSpan delay, Action work) => _ = RunAsync(delay, () =>
    {
        work();
        return Task.CompletedTask;
    });

    public void After(TimeSpan delay, Func<Task> work) => _ = RunAsync(delay, work);

    /// <summary>Runs <paramref name="work"/> once <paramref name="previous"/> has finished, whatever its outcome.</summary>
    public Task AfterTask(Task previous, Func<Task> work) => RunAsync(TimeSpan.Zero, async () =>
    {
        await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await work();
    });

    /// <summary>A delay on the injected clock that ends with the application.</summary>
    public Task DelayAsync(TimeSpan delay) =>
        delay > TimeSpan.Zero ? Task.Delay(delay, time, lifetime.ApplicationStopping) : Task.CompletedTask;

    private async Task RunAsync(TimeSpan delay, Func<Task> work)
    {
        try
        {
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, time, lifetime.ApplicationStopping);
            }

            await work();
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // shutting down
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or IOException)
        {
            TimerFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A scheduled sandbox task failed")]
    private static partial void TimerFailed(ILogger logger, Exception exception);
}
