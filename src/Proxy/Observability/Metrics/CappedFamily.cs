using System.Collections.Concurrent;
using Prometheus;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// One prometheus-net metric and the labelled children this proxy made in it, at most a cap of them: past the cap, a
/// new label set gets the family's one overflow child (every label <c>overflow</c>) and is counted.
/// </summary>
internal sealed class CappedFamily<TChild>
    where TChild : ChildBase
{
    /// <summary>The label value given to the series that absorbs label sets past the cap.</summary>
    public const string OverflowValue = "overflow";

    private readonly Collector<TChild> _metric;
    private readonly ConcurrentDictionary<string[], TChild> _children = new(LabelSetComparer.Instance);
    private readonly int _maxSeries;
    private readonly Counter.Child _overflowed;

    // Taken only to add a child (a label set seen for the first time), so that the cap counts exactly; lookups are lock-free.
    private readonly Lock _adding = new();
    private TChild? _overflow;
    private int _count;

    internal CappedFamily(Collector<TChild> metric, int maxSeries, Counter.Child overflowed)
    {
        _metric = metric;
        _maxSeries = maxSeries;
        _overflowed = overflowed;
    }

    public string Name => _metric.Name;

    /// <summary>
    /// The child for these label values, in the family's label name order. prometheus-net finds children under a
    /// lock, so callers on the request path keep what this returns rather than look it up per request.
    /// </summary>
    public TChild WithLabels(params string[] values)
    {
        if (_children.TryGetValue(values, out var existing))
        {
            return existing;
        }

        Validate(values);
        lock (_adding)
        {
            if (_children.TryGetValue(values, out existing))
            {
                return existing;
            }

            if (_count >= _maxSeries)
            {
                _overflowed.Inc();
                return _overflow ??= _metric.WithLabels(OverflowValues());
            }

            // Our own copy: the caller may reuse its array.
            var key = (string[])values.Clone();
            var child = _metric.WithLabels(key);
            _children[key] = child;
            _count++;
            return child;
        }
    }

    private string[] OverflowValues()
    {
        var values = new string[_metric.LabelNames.Length];
        Array.Fill(values, OverflowValue);
        return values;
    }

    private void Validate(string[] values)
    {
        var names = _metric.LabelNames;
        if (values.Length != names.Length)
        {
            throw new ArgumentException(
                $"metric '{Name}': expected {names.Length} label values ({string.Join(", ", names)}), got {values.Length}.", nameof(values));
        }

        for (var i = 0; i < values.Length; i++)
        {
            if (values[i] is null)
            {
                throw new ArgumentException($"metric '{Name}': label '{names[i]}' has no value (null).", nameof(values));
            }
        }
    }
}
