using JasperFx.Events;
using Payments.Domain;

namespace Payments.Simulation;

/// <summary>The append lost the optimistic race: the stream moved since it was read. The message is retried.</summary>
internal sealed class SimulatedConcurrencyException(Guid stream, long expected, long actual)
    : Exception($"stream {stream} is at version {actual}, not {expected}");

/// <summary>
/// An in-memory event store with per-stream versions: an append names the version it expects (optimistic writers) or
/// none (the writers that hold the stream's row lock in the host, which here run without interleaving).
/// </summary>
internal sealed class EventStore
{
    private readonly Dictionary<Guid, List<StoredEvent>> streams = [];
    private readonly Dictionary<Guid, Payment> states = [];

    public long Appended { get; private set; }

    public Payment? Load(Guid id) => states.GetValueOrDefault(id);

    public long VersionOf(Guid id) => streams.TryGetValue(id, out var stream) ? stream.Count : 0;

    public IReadOnlyList<StoredEvent> Stream(Guid id) => streams.TryGetValue(id, out var stream) ? stream : [];

    /// <summary>Appends in one transaction; throws when <paramref name="expectedVersion"/> is given and stale (unless told to skip the check).</summary>
    public void Append(Guid id, long? expectedVersion, IReadOnlyList<(IPaymentEvent Event, string Cause)> events, DateTimeOffset now, bool skipVersionCheck = false)
    {
        if (events.Count == 0)
        {
            return;
        }

        if (!streams.TryGetValue(id, out var stream))
        {
            stream = [];
            streams[id] = stream;
        }

        if (expectedVersion is { } expected && expected != stream.Count && !skipVersionCheck)
        {
            throw new SimulatedConcurrencyException(id, expected, stream.Count);
        }

        var state = states.GetValueOrDefault(id);
        foreach (var (e, cause) in events)
        {
            stream.Add(new StoredEvent(e, stream.Count + 1, now, cause));
            state = Payment.Evolve(state, e);
            Appended++;
        }

        states[id] = state!;
    }
}

/// <summary>
/// The handle the host's shared functions append to (<c>ReconcilePaymentHandler.Apply</c>,
/// <c>AskAgainForKnetDetails</c>): it collects the events; the simulated handler commits them with the version it read.
/// </summary>
internal sealed class PendingStream(Guid id, Payment? aggregate, long version) : IEventStream<Payment>
{
    public List<object> Appended { get; } = [];

    public Payment? Aggregate { get; } = aggregate;
    public long? StartingVersion { get; } = version;
    public long? CurrentVersion => StartingVersion + Appended.Count;
    public CancellationToken Cancellation => CancellationToken.None;
    public Guid Id { get; } = id;
    public string? Key => null;
    public IReadOnlyList<IEvent> Events => [];
    public bool AlwaysEnforceConsistency { get; set; }

    public void AppendOne(object @event) => Appended.Add(@event);

    public void AppendMany(params object[] events) => Appended.AddRange(events);

    public void AppendMany(IEnumerable<object> events) => Appended.AddRange(events);

    public void TryFastForwardVersion()
    {
    }
}
