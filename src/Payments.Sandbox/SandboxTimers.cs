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
