namespace Payments.Testing;

/// <summary>
/// A bounded poll on a condition, for state that changes in the background and has no event to wait on.
/// Shared by the test projects as a linked file.
/// </summary>
public static class Eventually
{
    public static Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout = null) =>
        Until(read, done, timeout, value => $"{value}");

    /// <summary>The same; a timeout says what was last read as <paramref name="describe"/> puts it.</summary>
    public static async Task<T> Until<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? timeout, Func<T, string> describe)
    {
        ArgumentNullException.ThrowIfNull(describe);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(25));
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTimeOffset.UtcNow > deadline || !await tick.WaitForNextTickAsync())
            {
                throw new TimeoutException($"Condition not met in time; last value: {describe(value)}");
            }
        }
    }
}
