using System.Security.Cryptography;
using System.Text;
using Payments.Domain;
using Payments.Host.Checkout;
using Payments.Host.FollowUps;
using Payments.Host.Payments;

namespace Payments.Simulation;

/// <summary>Everything one run shares: simulated time, the store, Checkout.com, the service, and the history.</summary>
internal sealed class World : IDisposable
{
    private readonly IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly StringBuilder? history;
    private readonly SortedSet<int> open = [];

    public World(SimulationOptions options)
    {
        Options = options with { Faults = options.Faults.Scaled(options.FaultScale), FaultScale = 1 };
        history = options.KeepHistory ? new StringBuilder() : null;
        Acquirer = new Acquirer(this);
        Service = new Service(this);
    }

    public SimulationOptions Options { get; }
    public Scheduler Scheduler { get; } = new();
    public EventStore Store { get; } = new();
    public Acquirer Acquirer { get; }
    public Service Service { get; }
    public List<PaymentRun> Runs { get; } = [];

    /// <summary>The host's defaults: the same waits and bounds production runs with.</summary>
    public PaymentTimings Timings { get; } = new();
    public CheckoutOptions CheckoutOptions { get; } = new();
    public SweeperOptions SweeperOptions { get; } = new();

    public long Lines { get; private set; }

    public void Log(PaymentRun run, string text)
    {
        var line = $"{Scheduler.Stamp} p{run.Index} {text}";
        run.Lines.Add(line);
        hash.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
        history?.Append(line).Append('\n');
        Lines++;
    }

    public string HistoryHash => Convert.ToHexStringLower(hash.GetCurrentHash());

    public string? History => history?.ToString();

    /// <summary>After a commit: whether the sweeper must look at this payment.</summary>
    public void Touched(PaymentRun run)
    {
        if (Store.Load(run.Id) is { } p && (Undecided(p) || p.Refunds.Exists(r => r.IsInFlight) || MissingKnetRecord(p)))
        {
            open.Add(run.Index);
        }
        else
        {
            open.Remove(run.Index);
        }
    }

    /// <summary>Decided at Checkout.com, KNET's record not recorded, and no flag saying so: the host's own rule.</summary>
    public static bool MissingKnetRecord(Payment p) => Payments.Host.FollowUps.FollowUpCheck.AwaitsKnetRecord(p);

    public static bool Undecided(Payment p) =>
        p.Status is PaymentStatus.Requested or PaymentStatus.Pending or PaymentStatus.CapturePending;

    /// <summary>The sweeper's runs, every interval until the horizon, one payment at a time in a fixed order.</summary>
    public void StartSweeper(DateTimeOffset horizon, IReadOnlyDictionary<int, PaymentRun> byIndex)
    {
        void Sweep()
        {
            foreach (var index in open.ToArray())
            {
                Service.Sweep(byIndex[index]);
            }

            if (Scheduler.Now + SweeperOptions.Interval <= horizon)
            {
                Scheduler.After(SweeperOptions.Interval, Sweep);
            }
        }

        Scheduler.After(SweeperOptions.Interval, Sweep);
    }

    /// <summary>What the merchant asks for this payment.</summary>
    public static KnetPaymentRequest Request(PaymentRun run) => new()
    {
        Amount = run.Plan.Amount,
        Currency = Kwd.Currency,
        Reference = $"SIM-{run.Index:x}",
        Language = "en",
        SuccessUrl = "https://shop.sim/ok",
        FailureUrl = "https://shop.sim/fail",
    };

    public void Dispose() => hash.Dispose();
}
