namespace Payments.Simulation;

/// <summary>
/// A rule of the service broken on purpose, to show the simulator catches it (docs/architecture.md, "Deterministic
/// simulation"). Never set outside the simulator's own tests and command line.
/// </summary>
[Flags]
public enum Mutation
{
    None = 0,

    /// <summary>The optimistic writers (the scheduled reads of Checkout.com) append without the stream version check.</summary>
    SkipVersionCheck = 1,

    /// <summary>A refund is reserved against the captured amount minus the succeeded refunds, forgetting those in flight.</summary>
    RefundIgnoresInFlight = 2,

    /// <summary>A webhook's fact is written as an event even when the machine says it is a duplicate or late.</summary>
    WebhookSkipsDecidedCheck = 4,
}

/// <summary>How often each fault happens: a probability per opportunity, drawn from the payment's own random stream.</summary>
public sealed record FaultRates
{
    /// <summary>A call to Checkout.com fails before reaching it: no effect, no answer.</summary>
    public double CallLost { get; init; } = 0.04;

    /// <summary>A call to Checkout.com times out after it took effect: the effect happened, we got no answer.</summary>
    public double AnswerLost { get; init; } = 0.04;

    /// <summary>A call answers slowly (up to the total timeout), so other work interleaves with it.</summary>
    public double SlowCall { get; init; } = 0.1;

    /// <summary>A webhook is never delivered.</summary>
    public double WebhookLost { get; init; } = 0.06;

    /// <summary>A webhook is delivered late (minutes), so webhooks arrive out of order.</summary>
    public double WebhookLate { get; init; } = 0.15;

    /// <summary>A webhook is delivered twice.</summary>
    public double WebhookDuplicated { get; init; } = 0.1;

    /// <summary>Our webhook intake fails before storing it (503): Checkout.com delivers it again later.</summary>
    public double IntakeFails { get; init; } = 0.03;

    /// <summary>The processing crashes at a given point between steps; the message in flight is redelivered.</summary>
    public double Crash { get; init; } = 0.03;

    /// <summary>A scheduled message fires late (the node was down).</summary>
    public double CheckLate { get; init; } = 0.1;

    /// <summary>A scheduled check is lost (deleted, dead-lettered): only the sweeper can bring it back.</summary>
    public double CheckLost { get; init; } = 0.02;

    /// <summary>After a failed request the merchant retries it with the same Idempotency-Key.</summary>
    public double MerchantRetries { get; init; } = 0.7;

    /// <summary>Every fault <paramref name="factor"/> times as likely (at most 0.9): a harsher world to hunt in.</summary>
    public FaultRates Scaled(double factor)
    {
        double S(double p) => Math.Min(0.9, p * factor);
        return this with
        {
            CallLost = S(CallLost), AnswerLost = S(AnswerLost), SlowCall = S(SlowCall), WebhookLost = S(WebhookLost),
            WebhookLate = S(WebhookLate), WebhookDuplicated = S(WebhookDuplicated), IntakeFails = S(IntakeFails), Crash = S(Crash),
            CheckLate = S(CheckLate), CheckLost = S(CheckLost),
        };
    }
}

/// <summary>One run: everything it does follows from <see cref="Seed"/> (and, for a replay, the payment and the faults left out).</summary>
public sealed record SimulationOptions
{
    public int Seed { get; init; }

    /// <summary>How many payments the merchant asks for, spread over <see cref="CreationWindow"/>.</summary>
    public int Payments { get; init; } = 2000;

    public TimeSpan CreationWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Run only this payment (by index): a failing payment replays alone, as it ran among the others.</summary>
    public int? OnlyPayment { get; init; }

    /// <summary>Faults (by their number within the payment) that do not happen: what shrinking leaves out.</summary>
    public IReadOnlySet<int> SuppressedFaults { get; init; } = new HashSet<int>();

    public FaultRates Faults { get; init; } = new();

    /// <summary>Every fault of <see cref="Faults"/> this many times as likely (scripts/simulate.sh --faults).</summary>
    public double FaultScale { get; init; } = 1;

    public Mutation Mutation { get; init; }

    /// <summary>Keep the whole history's text (tests compare it); otherwise only its hash and each payment's lines.</summary>
    public bool KeepHistory { get; init; }

    /// <summary>Run the sweeper (it re-creates lost checks).</summary>
    public bool Sweeper { get; init; } = true;
}
