using System.Collections;
using System.Diagnostics;
using OpenTelemetry.Metrics;

namespace Payments.Host.Tests.Fixtures;

/// <summary>
/// The spans the host's own OpenTelemetry pipeline exported (the in-memory exporter added beside the host's), kept
/// only while a test records, so the shared host does not hold every span of the whole run.
/// </summary>
public sealed class RecordedSpanCollection : ICollection<Activity>
{
    private readonly Lock _gate = new();
    private readonly List<Activity> _spans = [];
    private bool _recording;

    /// <summary>Forgets what was recorded and records from now on.</summary>
    public void Start()
    {
        lock (_gate)
        {
            _spans.Clear();
            _recording = true;
        }
    }

    public IReadOnlyList<Activity> Snapshot()
    {
        lock (_gate)
        {
            return [.. _spans];
        }
    }

    public void Add(Activity item)
    {
        lock (_gate)
        {
            if (_recording)
            {
                _spans.Add(item);
            }
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _spans.Clear();
            _recording = false;
        }
    }

    public int Count => Snapshot().Count;
    public bool IsReadOnly => false;
    public bool Contains(Activity item) => Snapshot().Contains(item);
    public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().ToList().CopyTo(array, arrayIndex);
    public bool Remove(Activity item) => throw new NotSupportedException();
    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Metric snapshots the in-memory exporter took at each forced collection.</summary>
public sealed class RecordedMetricCollection : ICollection<MetricSnapshot>
{
    private readonly Lock _gate = new();
    private readonly List<MetricSnapshot> _metrics = [];

    public void Add(MetricSnapshot item)
    {
        lock (_gate)
        {
            _metrics.Add(item);
        }
    }

    public IReadOnlyList<MetricSnapshot> Snapshot()
    {
        lock (_gate)
        {
            return [.. _metrics];
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _metrics.Clear();
        }
    }

    public int Count => Snapshot().Count;
    public bool IsReadOnly => false;
    public bool Contains(MetricSnapshot item) => Snapshot().Contains(item);
    public void CopyTo(MetricSnapshot[] array, int arrayIndex) => Snapshot().ToList().CopyTo(array, arrayIndex);
    public bool Remove(MetricSnapshot item) => throw new NotSupportedException();
    public IEnumerator<MetricSnapshot> GetEnumerator() => Snapshot().GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
