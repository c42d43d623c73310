namespace Payments.Host.Tests.Fixtures;

/// <summary>The host's clock in tests: time moves only when a test moves it.</summary>
public sealed class ManualClock : TimeProvider
{
    public static readonly DateTimeOffset Start = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private DateTimeOffset _now = Start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Reset() => _now = Start;

    public DateTimeOffset Advance(TimeSpan by) => _now += by;
}
