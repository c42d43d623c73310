using Payments.Domain;
using Payments.Host.FollowUps;

namespace Payments.Simulation;

/// <summary>What the customer does on KNET's page, once the merchant has its link.</summary>
internal enum CustomerChoice
{
    Pays,
    PaysButBankDeclines,
    Cancels,
    LeavesThePageOpen,
}

/// <summary>A refund the merchant will ask for; <see cref="Amount"/> null = what is left.</summary>
internal sealed record PlannedRefund(TimeSpan After, long? Amount);

/// <summary>What one payment's actors will do, drawn from its own random stream before it starts.</summary>
internal sealed record PaymentPlan(
    TimeSpan CreatedAfter, long Amount, bool InvalidAtCheckout, CustomerChoice Choice, TimeSpan CustomerTakes,
    TimeSpan KnetRecordAfter, bool KnetRecordNeverComes, IReadOnlyList<PlannedRefund> Refunds)
{
    /// <summary>When the customer's browser comes back to the shop after acting on KNET's page (null: it never does).</summary>
    public TimeSpan? ComesBackAfter { get; init; }
}

/// <summary>A fault that happened (or, when shrinking, was left out): its number within the payment, kind and time.</summary>
public sealed record FaultRecord(int Number, string Kind, string At, bool Suppressed);

/// <summary>
/// One payment's world: its own random stream (seeded from the run's seed and its index, so it draws the same whatever
/// else runs), its faults, and its lines of history.
/// </summary>
internal sealed class PaymentRun
{
    private readonly Scheduler scheduler;
    private readonly IReadOnlySet<int> suppressed;
    private int faultNumber;

    public PaymentRun(int index, int seed, Scheduler scheduler, IReadOnlySet<int> suppressed)
    {
        Index = index;
        this.scheduler = scheduler;
        this.suppressed = suppressed;
        Random = new Random(Mix(seed, index));
        Span<byte> bytes = stackalloc byte[16];
        Random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x70); // shaped like the version 7 ids the host makes
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        Id = new Guid(bytes);
    }

    public int Index { get; }
    public Guid Id { get; }
    public Random Random { get; }
    public PaymentPlan Plan { get; set; } = null!;
    public List<string> Lines { get; } = [];
    public List<FaultRecord> Faults { get; } = [];

    /// <summary>The scheduled messages of this payment not yet handled (what the sweeper reads).</summary>
    public List<Envelope> Pending { get; } = [];

    public bool CustomerHasLink { get; set; }

    /// <summary>The checks lost from the inbox (type and refund), so a re-creation can tell a lost check from one never scheduled.</summary>
    public HashSet<CheckTarget> LostChecks { get; } = [];

    /// <summary>Checks the sweeper had to create although none was lost: nothing had scheduled them.</summary>
    public int NeverScheduledChecks { get; set; }

    /// <summary>The merchant was answered 201 without KNET's link: the customer cannot pay.</summary>
    public bool AnsweredWithoutLink { get; set; }
    public int WebhookCounter { get; set; }
    public int RefundCounter { get; set; }

    public double Uniform() => Random.NextDouble();

    public TimeSpan Between(TimeSpan low, TimeSpan high) => low + (high - low) * Random.NextDouble();

    /// <summary>
    /// Whether a fault happens at this opportunity. Always draws exactly once, happening or not, so leaving a fault
    /// out (shrinking) changes no other draw before the runs part ways.
    /// </summary>
    public bool Fault(string kind, double probability)
    {
        var draw = Random.NextDouble();
        if (draw >= probability)
        {
            return false;
        }

        var number = ++faultNumber;
        var left = suppressed.Contains(number);
        Faults.Add(new FaultRecord(number, kind, scheduler.Stamp, left));
        return !left;
    }

    public Guid NewGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x70);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }

    /// <summary>SplitMix64 over (seed, index): neighbouring payments get unrelated streams.</summary>
    private static int Mix(int seed, int index)
    {
        var z = unchecked(((ulong)(uint)seed << 32 | (uint)index) + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return unchecked((int)(z ^ (z >> 32)));
    }
}

/// <summary>A message in the simulated durable inbox: scheduled, or due and not yet handled.</summary>
internal sealed class Envelope(object message, PaymentRun run)
{
    public object Message { get; } = message;
    public PaymentRun Run { get; } = run;
    public int Attempts { get; set; }
}

/// <summary>One stored event as the simulated event store keeps it.</summary>
internal sealed record StoredEvent(IPaymentEvent Data, long Version, DateTimeOffset Timestamp, string Cause);
