using Marten;

namespace Payments.Host.TamperEvidence;

/// <summary>The hash chain on every append, the day roots and their daily job (docs/architecture.md, "Tamper-evident log").</summary>
public static class TamperEvidenceSetup
{
    public static void AddTo(StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Listeners.Add(new EventChainListener());
        options.Schema.For<DailyRoot>();
    }

    /// <summary>The daily root job's scheduling on every node (after <c>AddPaymentsEventStore</c>: it enrols in Wolverine's outbox).</summary>
    public static IServiceCollection AddDailyRoots(this IServiceCollection services) => services.AddHostedService<DailyRootSchedule>();
}
