using System.Collections.Concurrent;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// A metric family with fixed label names: one series per label value set, created once and cached, found again
/// without allocating; past its series cap, new label sets share one overflow series (every label <c>overflow</c>).
/// </summary>
internal abstract class MetricFamily<TSeries>
    where TSeries : class
{
    /// <summary>The label value given to the series that absorbs label sets past the cap.</summary>
    public const string OverflowValue = "overflow";

    private readonly ConcurrentDictionary<LabelValues, TSeries> _series = new(LabelValuesComparer.Instance);
    private readonly ConcurrentDictionary<LabelValues, TSeries>.AlternateLookup<ReadOnlySpan<string>> _lookup;
    private readonly string[] _labelNames;
    private readonly int _maxSeries;
    private readonly Counter _overflowed;
    private int _reserved;

    private protected MetricFamily(string name, string help, string[] labelNames, int maxSeries, Counter overflowed)
    {
        Name = name;
        Help = help;
        _labelNames = labelNames;
        _maxSeries = maxSeries;
        _overflowed = overflowed;
        _lookup = _series.GetAlternateLookup<ReadOnlySpan<string>>();
    }

    public string Name { get; }

    public string Help { get; }

    public IReadOnlyList<string> LabelNames => _labelNames;

    /// <summary>
    /// The series for these label values, in the family's label name order. Allocation-free when the set was seen
    /// before; callers on the request path should still keep the returned series rather than look it up each time.
    /// </summary>
    public TSeries WithLabels(params ReadOnlySpan<string> values)
    {
        if (_lookup.TryGetValue(values, out var existing))
        {
            return existing;
        }

        return Add(values);
    }

    internal int SeriesCount => _series.Count;

    private protected abstract TSeries CreateSeries();

    /// <summary>The series ordered by their label values, so that the exposition is the same for the same state.</summary>
    internal KeyValuePair<LabelValues, TSeries>[] SnapshotOrdered()
    {
        var items = _series.ToArray();
        Array.Sort(items, static (left, right) => CompareValues(left.Key.Values, right.Key.Values));
        return items;
    }

    private TSeries Add(ReadOnlySpan<string> values)
    {
        if (values.Length != _labelNames.Length)
        {
            throw new ArgumentException(
                $"metric '{Name}': expected {_labelNames.Length} label values ({string.Join(", ", _labelNames)}), got {values.Length}.",
                nameof(values));
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is null)
            {
                throw new ArgumentException($"metric '{Name}': label '{_labelNames[i]}' has no value (null).", nameof(values));
            }
        }

        if (Interlocked.Increment(ref _reserved) > _maxSeries)
        {
            Interlocked.Decrement(ref _reserved);
            _overflowed.Increment();
            return Overflow();
        }

        var key = new LabelValues(values.ToArray(), _labelNames);
        var created = CreateSeries();
        if (_series.TryAdd(key, created))
        {
            return created;
        }

        // Another thread added the same label set first: its series wins and our reservation was not needed.
        Interlocked.Decrement(ref _reserved);
        return _series[key];
    }

    private TSeries Overflow()
    {
        var values = new string[_labelNames.Length];
        Array.Fill(values, OverflowValue);
        return _series.GetOrAdd(new LabelValues(values, _labelNames), static (_, family) => family.CreateSeries(), this);
    }

    private static int CompareValues(string[] left, string[] right)
    {
        for (var i = 0; i < left.Length; i++)
        {
            var order = string.CompareOrdinal(left[i], right[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return 0;
    }
}
