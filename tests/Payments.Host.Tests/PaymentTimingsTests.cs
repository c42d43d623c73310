using Payments.Host.Payments;
using Shouldly;

namespace Payments.Host.Tests;

public class when_a_check_decides_whether_to_try_again
{
    private static readonly TimeSpan[] Delays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    [Fact]
    public void each_wait_is_used_once_then_there_is_none()
    {
        PaymentTimings.WaitAfter(Delays, 0).ShouldBe(TimeSpan.FromSeconds(1));
        PaymentTimings.WaitAfter(Delays, 1).ShouldBe(TimeSpan.FromSeconds(2));
        PaymentTimings.WaitAfter(Delays, 2).ShouldBeNull();
        PaymentTimings.WaitAfter(Delays, -1).ShouldBeNull();
    }

    [Fact]
    public void configured_delays_replace_the_defaults()
    {
        new PaymentTimings { OutcomeRetryDelays = [TimeSpan.FromMilliseconds(300)] }.OutcomeRetries.ShouldBe([TimeSpan.FromMilliseconds(300)]);
        new PaymentTimings().OutcomeRetries.Count.ShouldBe(4);
        new PaymentTimings { KnetDetailsRetryDelays = [TimeSpan.FromMilliseconds(300)] }.KnetDetailsRetries.ShouldBe([TimeSpan.FromMilliseconds(300)]);
        new PaymentTimings().KnetDetailsRetries.Count.ShouldBe(4);
    }
}
